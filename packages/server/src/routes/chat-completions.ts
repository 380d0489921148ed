import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../core/api-error.js';
import type { ChatRequest } from '../ports/chat-model.js';
import { estimateChatInputTokens } from '../services/metering/usage-estimate.js';
import { serveThroughGateway } from './gateway-call.js';
import { parseBody, readJson } from './validate.js';

const contentPart = z.looseObject({ type: z.string() });
const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
});
const chatBody = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  user: z.string().optional(),
  max_tokens: z.number().int().nullish(),
  max_completion_tokens: z.number().int().nullish(),
});

const positive = (value: number | null | undefined) =>
  typeof value === 'number' && value > 0 ? value : null;

/** Content and tool-call arguments: what the model generated and is billed for. */
function messageText(message: { content?: unknown; tool_calls?: unknown; [field: string]: unknown }): string {
  const content = typeof message.content === 'string' ? message.content : '';
  return message.tool_calls ? content + JSON.stringify(message.tool_calls) : content;
}

function deltaText(delta: { content?: string | null; [field: string]: unknown }): string {
  const content = delta.content ?? '';
  return delta.tool_calls ? content + JSON.stringify(delta.tool_calls) : content;
}

const USAGE_KIND_HEADER = 'x-ragline-usage-kind';

/** `x-ragline-usage-kind: judge` meters the call as a judge call (evaluation), apart from product chat. */
function usageKind(header: string | undefined): 'chat' | 'judge' {
  if (header === undefined) return 'chat';
  if (header === 'judge') return 'judge';
  throw new ApiError(
    'INVALID_REQUEST',
    `${USAGE_KIND_HEADER}: expected "judge", got ${JSON.stringify(header)}`,
    {
      details: { field: USAGE_KIND_HEADER },
    },
  );
}

/** OpenAI's chat completions endpoint; `model` names a gateway route. */
export const chatCompletionRoutes = new Hono().post('/chat/completions', async (c) => {
  const started = performance.now();
  const kind = usageKind(c.req.header(USAGE_KIND_HEADER));
  const body = parseBody(chatBody, await readJson(c.req));
  return serveThroughGateway(c, started, body, {
    call: (router, routed) => router.chat({ ...routed, request: body as ChatRequest }),
    json: (result) => result.completion,
    usageChunk: { object: 'chat.completion.chunk', idPrefix: 'chatcmpl' },
    metering: {
      kind,
      inputTokens: (estimator) => estimateChatInputTokens((body as ChatRequest).messages, estimator),
      maxOutputTokens: () => positive(body.max_completion_tokens) ?? positive(body.max_tokens),
      resultText: (result) => result.completion.choices.map((choice) => messageText(choice.message)).join(''),
      resultUsage: (result) => result.usage,
      chunkText: (chunk) => chunk.choices.map((choice) => deltaText(choice.delta)).join(''),
    },
  });
});
