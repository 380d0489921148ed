import type { ChatRequest, CompletionRequest } from '../../ports/chat-model.js';

export type OpenAICompatibleKind = 'vllm' | 'trtllm' | 'openai-compatible';

/** Sampling fields trtllm-serve's ChatCompletionRequest and CompletionRequest both accept. */
const TRTLLM_SAMPLING_FIELDS = [
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
] as const;

/**
 * The request fields trtllm-serve's ChatCompletionRequest accepts. Its pydantic model has
 * `extra="forbid"`, so anything else is a 400. Source: NVIDIA/TensorRT-LLM
 * `tensorrt_llm/serve/openai_protocol.py` (class ChatCompletionRequest) at commit 0076e9390e1e, 2026.
 * `max_tokens` is the validation alias of `max_completion_tokens`; both are accepted.
 */
export const TRTLLM_CHAT_REQUEST_FIELDS: ReadonlySet<string> = new Set([
  // OpenAI fields
  'messages',
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
  // trtllm sampling extras (shared with vLLM)
  'best_of',
  ...TRTLLM_SAMPLING_FIELDS,
  // trtllm extras
  'prompt_token_ids',
  'thinking',
  'thinking_token_budget',
  'prompt_ignore_length',
  'lora_request',
  'echo',
  'add_generation_prompt',
  'add_special_tokens',
  'documents',
  'chat_template',
  'chat_template_kwargs',
  'media_io_kwargs',
  'disaggregated_params',
  'conversation_params',
  'cache_salt',
  'priority',
  'agent_hierarchy',
  'mm_processor_kwargs',
]);

/**
 * Fields only vLLM (and engines that copy its protocol) understand; OpenAI rejects them with
 * "Unrecognized request argument supplied". From vLLM's ChatCompletionRequest sampling and extra
 * parameters, including the pre-0.12 `guided_*` structured-output names.
 */
export const VLLM_ONLY_CHAT_REQUEST_FIELDS: ReadonlySet<string> = new Set([
  'best_of',
  'use_beam_search',
  'top_k',
  'min_p',
  'repetition_penalty',
  'length_penalty',
  'stop_token_ids',
  'include_stop_str_in_output',
  'ignore_eos',
  'min_tokens',
  'skip_special_tokens',
  'spaces_between_special_tokens',
  'truncate_prompt_tokens',
  'prompt_logprobs',
  'allowed_token_ids',
  'bad_words',
  'echo',
  'add_generation_prompt',
  'continue_final_message',
  'add_special_tokens',
  'documents',
  'chat_template',
  'chat_template_kwargs',
  'mm_processor_kwargs',
  'structured_outputs',
  'guided_json',
  'guided_regex',
  'guided_choice',
  'guided_grammar',
  'guided_decoding_backend',
  'guided_whitespace_pattern',
  'structural_tag',
  'priority',
  'request_id',
  'return_tokens_as_token_ids',
  'return_token_ids',
  'cache_salt',
  'kv_transfer_params',
  'vllm_xargs',
  'logits_processors',
  'thinking_token_budget',
]);

/**
 * The request fields trtllm-serve's CompletionRequest accepts (`extra="forbid"` too), from the same
 * file and commit as TRTLLM_CHAT_REQUEST_FIELDS (class CompletionRequest). It refuses a non-empty
 * `suffix` and `stream_options` without `stream`.
 */
export const TRTLLM_COMPLETION_REQUEST_FIELDS: ReadonlySet<string> = new Set([
  // OpenAI fields
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
  // trtllm sampling extras
  'lora_request',
  'prompt_ignore_length',
  ...TRTLLM_SAMPLING_FIELDS,
  'return_context_logits',
  'detokenize',
  'thinking_token_budget',
  // trtllm extras
  'add_special_tokens',
  'response_format',
  'disaggregated_params',
  'priority',
  'conversation_params',
]);

/**
 * Fields of vLLM's CompletionRequest that OpenAI's legacy completions endpoint does not define
 * (`vllm/entrypoints/openai/completion/protocol.py`), plus the pre-0.12 `guided_*` names. `echo`,
 * `best_of`, `suffix` and `logprobs` are OpenAI's own here, so they stay.
 */
export const VLLM_ONLY_COMPLETION_REQUEST_FIELDS: ReadonlySet<string> = new Set([
  'use_beam_search',
  'top_k',
  'min_p',
  'repetition_penalty',
  'watermarking',
  'length_penalty',
  'stop_token_ids',
  'include_stop_str_in_output',
  'ignore_eos',
  'min_tokens',
  'skip_special_tokens',
  'spaces_between_special_tokens',
  'truncate_prompt_tokens',
  'truncation_side',
  'allowed_token_ids',
  'prompt_logprobs',
  'logprob_token_ids',
  'bad_words',
  'prompt_embeds',
  'add_special_tokens',
  'response_format',
  'structured_outputs',
  'guided_json',
  'guided_regex',
  'guided_choice',
  'guided_grammar',
  'guided_decoding_backend',
  'guided_whitespace_pattern',
  'priority',
  'request_id',
  'session_id',
  'return_tokens_as_token_ids',
  'return_token_ids',
  'cache_salt',
  'kv_transfer_params',
  'ec_transfer_params',
  'vllm_xargs',
  'repetition_detection',
  'logits_processors',
  'thinking_token_budget',
  'stream_interval',
]);

/** trtllm's StreamOptions (`extra="forbid"` as well). */
const TRTLLM_STREAM_OPTIONS_FIELDS: ReadonlySet<string> = new Set([
  'include_usage',
  'continuous_usage_stats',
]);

export interface WireBodyOptions {
  stream: boolean;
  /** Ask for the final usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
}

/** Which OpenAI endpoint the body is for: `/chat/completions` or the legacy `/completions`. */
export type OpenAIEndpoint = 'chat' | 'completions';

const TRTLLM_FIELDS: Record<OpenAIEndpoint, ReadonlySet<string>> = {
  chat: TRTLLM_CHAT_REQUEST_FIELDS,
  completions: TRTLLM_COMPLETION_REQUEST_FIELDS,
};
const VLLM_ONLY_FIELDS: Record<OpenAIEndpoint, ReadonlySet<string>> = {
  chat: VLLM_ONLY_CHAT_REQUEST_FIELDS,
  completions: VLLM_ONLY_COMPLETION_REQUEST_FIELDS,
};

/**
 * The JSON body sent upstream: the client's fields filtered by what the target kind accepts (vLLM
 * takes everything; trtllm only its pydantic fields; other OpenAI-compatible APIs lose vLLM-only
 * fields), with `stream` and `stream_options` set by the adapter.
 */
export function toWireBody(
  kind: OpenAICompatibleKind,
  request: ChatRequest | CompletionRequest,
  options: WireBodyOptions,
  endpoint: OpenAIEndpoint = 'chat',
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const trtllmFields = TRTLLM_FIELDS[endpoint];
  const vllmOnlyFields = VLLM_ONLY_FIELDS[endpoint];
  for (const key in request) {
    const value = request[key];
    if (value === undefined || key === 'stream' || key === 'stream_options') continue;
    if (kind === 'trtllm' && !trtllmFields.has(key)) continue;
    if (kind === 'openai-compatible' && vllmOnlyFields.has(key)) continue;
    body[key] = value;
  }
  if (!options.stream) return body;
  body.stream = true;
  const clientOptions =
    typeof request.stream_options === 'object' && request.stream_options !== null
      ? (request.stream_options as Record<string, unknown>)
      : undefined;
  const streamOptions: Record<string, unknown> = {};
  for (const key in clientOptions) {
    if (key === 'include_usage') continue;
    if (kind === 'trtllm' && !TRTLLM_STREAM_OPTIONS_FIELDS.has(key)) continue;
    if (kind === 'openai-compatible' && key === 'continuous_usage_stats') continue;
    streamOptions[key] = clientOptions[key];
  }
  // vLLM and trtllm default include_usage to true once stream_options is present, so say false outright.
  if (options.includeUsage) streamOptions.include_usage = true;
  else if (Object.keys(streamOptions).length > 0) streamOptions.include_usage = false;
  if (Object.keys(streamOptions).length > 0) body.stream_options = streamOptions;
  return body;
}
