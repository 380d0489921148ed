import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';

/**
 * Request checks the fakes apply before answering: OpenAI's CreateChatCompletionRequest and
 * CreateCompletionRequest schemas (every flavour), OpenAI's rejection of arguments it does not know,
 * and trtllm-serve's `extra="forbid"` pydantic models.
 */

interface SchemaDocument {
  components: { schemas: Record<string, Record<string, unknown>> };
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

/** One copied OpenAI request schema: its validator and its top-level fields. */
function loadRequestSchema(file: string, name: string) {
  const document = JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as SchemaDocument;
  ajv.addSchema(openApiToJsonSchema(document) as object, name);
  const validate = ajv.getSchema(`${name}#/components/schemas/${name}`);
  if (!validate) throw new Error(`${name} missing from the copied schema`);
  const errors = (body: unknown): string | null => {
    if (validate(body)) return null;
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
  };
  return { errors, fields: new Set(collectProperties(document, name)) as ReadonlySet<string> };
}

const chatSchema = loadRequestSchema(
  './create-chat-completion-request.schema.json',
  'CreateChatCompletionRequest',
);
const completionSchema = loadRequestSchema(
  './create-completion-request.schema.json',
  'CreateCompletionRequest',
);

/** The schema errors of a chat completion request body, or null when it is valid. */
export const chatRequestSchemaErrors = chatSchema.errors;

/** The schema errors of a legacy completion request body, or null when it is valid. */
export const completionRequestSchemaErrors = completionSchema.errors;

/** Top-level fields OpenAI's CreateChatCompletionRequest defines (through its allOf parts). */
export const OPENAI_CHAT_FIELDS: ReadonlySet<string> = chatSchema.fields;

/** Top-level fields OpenAI's CreateCompletionRequest defines. */
export const OPENAI_COMPLETION_FIELDS: ReadonlySet<string> = completionSchema.fields;

/**
 * Fields of trtllm-serve's ChatCompletionRequest (pydantic, `extra="forbid"`), from
 * NVIDIA/TensorRT-LLM `tensorrt_llm/serve/openai_protocol.py` at commit 0076e9390e1e (2026).
 * `max_tokens` is the validation alias of `max_completion_tokens`; with `populate_by_name` both work.
 */
export const TRTLLM_CHAT_FIELDS: ReadonlySet<string> = new Set([
  'messages',
  'prompt_token_ids',
  'prompt_token_ids_b64',
  'model',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'max_completion_tokens',
  'max_tokens',
  'n',
  'presence_penalty',
  'response_format',
  'seed',
  'stop',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'user',
  'reasoning_effort',
  'thinking',
  'thinking_token_budget',
  'prompt_ignore_length',
  'best_of',
  'use_beam_search',
  'top_k',
  'top_p_min',
  'min_p',
  'repetition_penalty',
  'length_penalty',
  'early_stopping',
  'stop_token_ids',
  'include_stop_str_in_output',
  'ignore_eos',
  'min_tokens',
  'skip_special_tokens',
  'spaces_between_special_tokens',
  'truncate_prompt_tokens',
  'lora_request',
  'echo',
  'add_generation_prompt',
  'add_special_tokens',
  'documents',
  'chat_template',
  'chat_template_kwargs',
  'injected_chat_template_kwargs',
  'media_io_kwargs',
  'disaggregated_params',
  'conversation_params',
  'cache_salt',
  'priority',
  'agent_hierarchy',
  'mm_processor_kwargs',
]);

/**
 * Fields of trtllm-serve's CompletionRequest (pydantic, `extra="forbid"`), same file and commit. Its
 * validators also refuse a non-empty `suffix` and `stream_options` without `stream`.
 */
export const TRTLLM_COMPLETION_FIELDS: ReadonlySet<string> = new Set([
  'model',
  'prompt',
  'best_of',
  'echo',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'max_tokens',
  'n',
  'presence_penalty',
  'seed',
  'stop',
  'stream',
  'stream_options',
  'suffix',
  'temperature',
  'top_p',
  'user',
  'lora_request',
  'prompt_ignore_length',
  'use_beam_search',
  'top_k',
  'top_p_min',
  'min_p',
  'repetition_penalty',
  'length_penalty',
  'early_stopping',
  'stop_token_ids',
  'include_stop_str_in_output',
  'ignore_eos',
  'min_tokens',
  'skip_special_tokens',
  'spaces_between_special_tokens',
  'truncate_prompt_tokens',
  'return_context_logits',
  'detokenize',
  'thinking_token_budget',
  'add_special_tokens',
  'response_format',
  'disaggregated_params',
  'priority',
  'conversation_params',
]);

/** trtllm's StreamOptions (also `extra="forbid"`). */
export const TRTLLM_STREAM_OPTIONS_FIELDS: ReadonlySet<string> = new Set([
  'include_usage',
  'continuous_usage_stats',
]);

/** Fields of `body` outside `allowed`, in body order. */
export function unknownFields(body: Record<string, unknown>, allowed: ReadonlySet<string>): string[] {
  return Object.keys(body).filter((key) => !allowed.has(key));
}

/** pydantic's message for forbidden extra inputs, as trtllm-serve returns it in `{"error": "..."}`. */
export function pydanticExtraForbidden(
  model: string,
  fields: Array<{ loc: string; value: unknown }>,
): string {
  const lines = fields.map(({ loc, value }) => {
    const input = JSON.stringify(value) ?? 'None';
    const type = value === null ? 'NoneType' : Array.isArray(value) ? 'list' : pythonType(value);
    return `${loc}\n  Extra inputs are not permitted [type=extra_forbidden, input_value=${input}, input_type=${type}]`;
  });
  const count = fields.length === 1 ? '1 validation error' : `${fields.length} validation errors`;
  return `${count} for ${model}\n${lines.join('\n')}`;
}

function pythonType(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    default:
      return 'dict';
  }
}

function collectProperties(document: SchemaDocument, name: string): string[] {
  const schema = document.components.schemas[name];
  if (!schema) return [];
  const parts = (schema.allOf as Array<Record<string, unknown>> | undefined) ?? [schema];
  return parts.flatMap((part) =>
    typeof part.$ref === 'string'
      ? collectProperties(document, part.$ref.split('/').at(-1) as string)
      : Object.keys((part.properties as object | undefined) ?? {}),
  );
}

/** OpenAPI 3.0 `nullable: true` as JSON Schema (Ajv rejects `nullable` without a sibling `type`). */
function openApiToJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(openApiToJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const { nullable, ...rest } = node as Record<string, unknown>;
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    // `properties`, `enum`, `default` and `example` hold names and values, not schemas, at their top.
    converted[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, openApiToJsonSchema(v)]))
        : key === 'enum' || key === 'default' || key === 'example' || key === 'examples'
          ? value
          : openApiToJsonSchema(value);
  }
  if (nullable !== true) return converted;
  if (typeof converted.type === 'string') {
    const withNull: Record<string, unknown> = { ...converted, type: [converted.type, 'null'] };
    if (Array.isArray(converted.enum)) withNull.enum = [...converted.enum, null];
    return withNull;
  }
  return { anyOf: [converted, { type: 'null' }] };
}
