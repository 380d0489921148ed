import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../core/api-error.js';
import { encodeSseData, SSE_DONE, SSE_HEADERS } from '../core/sse.js';
import type { ChatCompletionChunk, ChatRequest, ChatStreamPart } from '../ports/chat-model.js';
import type { RouteConfig } from '../services/gateway/gateway-config.js';
import { resolveRoute } from '../services/gateway/resolve-route.js';
import { type ChatStreamOutcome, StreamInterruptedError } from '../services/gateway/router.js';
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
});

/** OpenAI's chat completions endpoint; `model` names a gateway route. */
export const chatCompletionRoutes = new Hono().post('/chat/completions', async (c) => {
  const started = performance.now();
  const body = parseBody(chatBody, await readJson(c.req));
  const deps = c.get('deps');
  const gateway = deps.gateway;
  const resolved = gateway ? await resolveRoute(deps, c.get('principal').tenantId, body.model) : null;
  if (!gateway || !resolved) throw new ApiError('NOT_FOUND', `The model \`${body.model}\` does not exist`);
  const route = resolved.route;
  const stream = body.stream === true;

  // Aborted when the client goes away, which aborts the upstream call.
  const upstream = new AbortController();
  const clientSignal = c.req.raw.signal;
  const onClientGone = () => upstream.abort(new Error('the client closed the connection'));
  if (clientSignal.aborted) onClientGone();
  else clientSignal.addEventListener('abort', onClientGone, { once: true });

  let outcome: Awaited<ReturnType<typeof gateway.router.chat>>;
  try {
    const stickyKey = stickyKeyOf(route, body.user, c);
    outcome = await gateway.router.chat({
      route: body.model,
      ...(resolved.source === 'tenant' && { definition: route }),
      request: body as ChatRequest,
      stream,
      ...(stickyKey !== undefined && { stickyKey }),
      signal: upstream.signal,
      includeUsage: true,
    });
  } catch (error) {
    clientSignal.removeEventListener('abort', onClientGone);
    throw error;
  }
  c.header('x-ragline-target', outcome.target.id);
  const overhead = () => Math.max(0, performance.now() - started - outcome.upstreamMs).toFixed(2);
  if (!outcome.stream) {
    clientSignal.removeEventListener('abort', onClientGone);
    c.header('x-ragline-overhead-ms', overhead());
    return c.json(outcome.result.completion);
  }
  const clientWantsUsage = body.stream_options?.include_usage === true;
  const sse = sseBody(outcome, clientWantsUsage, c.get('requestId'), () => {
    clientSignal.removeEventListener('abort', onClientGone);
    upstream.abort(new Error('the client cancelled the stream'));
  });
  return new Response(sse, {
    headers: {
      ...SSE_HEADERS,
      'x-request-id': c.get('requestId'),
      'x-ragline-target': outcome.target.id,
      'x-ragline-overhead-ms': overhead(),
    },
  });
});

function stickyKeyOf(route: RouteConfig, user: string | undefined, c: Context): string | undefined {
  if (route.strategy !== 'weighted' || !route.stickyBy) return undefined;
  if (route.stickyBy === 'user') return user;
  return c.req.header(route.stickyBy.slice('header:'.length));
}

/**
 * The SSE body: upstream chunks forwarded as they came (`raw`), the usage chunk only when the client
 * asked for it, `[DONE]` only after a clean end, and an error event (no `[DONE]`) after a failure.
 */
function sseBody(
  outcome: ChatStreamOutcome,
  clientWantsUsage: boolean,
  requestId: string,
  onCancel: () => void,
): ReadableStream<Uint8Array> {
  let last: ChatCompletionChunk | undefined;
  const iterator = outcome.rest[Symbol.asyncIterator]();
  const encode = (part: ChatStreamPart): Uint8Array | undefined => {
    if (part.type === 'chunk') {
      last = part.chunk;
      return encodeSseData(part.raw ?? JSON.stringify(part.chunk));
    }
    if (!clientWantsUsage) return undefined;
    if (part.raw) return encodeSseData(part.raw);
    const { inputTokens, outputTokens, cachedInputTokens, reasoningTokens } = part.usage;
    return encodeSseData(
      JSON.stringify({
        id: last?.id ?? `chatcmpl-${requestId}`,
        object: 'chat.completion.chunk',
        created: last?.created ?? Math.floor(Date.now() / 1000),
        model: last?.model ?? outcome.target.model,
        choices: [],
        usage: {
          prompt_tokens: inputTokens,
          completion_tokens: outputTokens,
          total_tokens: inputTokens + outputTokens,
          prompt_tokens_details: { cached_tokens: cachedInputTokens },
          completion_tokens_details: { reasoning_tokens: reasoningTokens },
        },
      }),
    );
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of outcome.head) {
        const bytes = encode(part);
        if (bytes) controller.enqueue(bytes);
      }
    },
    async pull(controller) {
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done) {
            controller.enqueue(SSE_DONE);
            controller.close();
            return;
          }
          const bytes = encode(next.value);
          if (bytes) {
            controller.enqueue(bytes);
            return;
          }
        }
      } catch (error) {
        controller.enqueue(encodeSseData(JSON.stringify(streamErrorEvent(error, requestId))));
        controller.close();
      }
    },
    cancel() {
      outcome.cancel();
      onCancel();
    },
  });
}

/** An error event in OpenAI's shape, which the official clients raise as an APIError. */
function streamErrorEvent(error: unknown, requestId: string) {
  const timeout =
    error instanceof StreamInterruptedError &&
    (error.details.reason === 'idle-timeout' || error.details.reason === 'total-timeout');
  return {
    error: {
      message:
        error instanceof Error ? `the stream failed: ${error.message}` : 'the stream failed after it began',
      type: timeout ? 'timeout' : 'upstream_error',
      code: timeout ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_ERROR',
      requestId,
    },
  };
}
