import type { Context } from 'hono';
import { encodeSseData, SSE_DONE } from '../core/sse.js';
import type { StreamPart, TokenUsage } from '../ports/chat-model.js';
import type { CallOutcomeKind } from '../ports/cost-repositories.js';
import { StreamInterruptedError, type StreamOutcome } from '../services/gateway/router.js';

/** The fields of a streamed chunk the usage chunk copies (chat chunks and text completions have them). */
export interface SseChunk {
  id: string;
  created: number;
  model: string;
}

/** How an endpoint's usage chunk looks when the gateway has to write it itself (Bedrock streams). */
export interface UsageChunkShape {
  /** `chat.completion.chunk` or `text_completion`. */
  object: string;
  /** For the id when no chunk came before the usage: `chatcmpl` or `cmpl`. */
  idPrefix: string;
}

/** How a stream ended, for the cost meter: the upstream's usage if it sent one, and the text generated. */
export interface StreamEnd {
  outcome: CallOutcomeKind;
  usage: TokenUsage | null;
  /** The generated text forwarded to the client (for an estimate when `usage` is null). */
  text: string;
}

/**
 * The SSE body of a gateway stream: upstream chunks forwarded as they came (`raw`), the usage chunk only
 * when the client asked for it, `[DONE]` only after a clean end, and an error event (no `[DONE]`) after
 * a failure, so a cut answer never looks complete.
 */
export function gatewaySseBody<Chunk extends SseChunk>(
  outcome: StreamOutcome<StreamPart<Chunk>>,
  options: {
    clientWantsUsage: boolean;
    requestId: string;
    usageChunk: UsageChunkShape;
    /** After the upstream call was cancelled (`outcome.cancel()`) because the client cancelled the body. */
    onCancel?: () => void;
    /** The generated text of a chunk; with `onEnd`, collected for usage estimates. */
    chunkText?: (chunk: Chunk) => string;
    /** Called once when the stream ends, fails or is cancelled; awaited before the body closes. */
    onEnd?: (end: StreamEnd) => Promise<void> | void;
  },
): ReadableStream<Uint8Array> {
  const { clientWantsUsage, requestId, usageChunk, chunkText, onEnd } = options;
  let last: Chunk | undefined;
  let usage: TokenUsage | null = null;
  const texts: string[] = [];
  let ended = false;
  const end = async (how: CallOutcomeKind) => {
    if (ended || !onEnd) return;
    ended = true;
    // Metering must never turn a complete answer into a failed one; onEnd reports its own errors.
    try {
      await onEnd({ outcome: how, usage, text: texts.join('') });
    } catch {}
  };
  const iterator = outcome.rest[Symbol.asyncIterator]();
  const encode = (part: StreamPart<Chunk>): Uint8Array | undefined => {
    if (part.type === 'chunk') {
      last = part.chunk;
      if (onEnd && chunkText) {
        const text = chunkText(part.chunk);
        if (text) texts.push(text);
      }
      return encodeSseData(part.raw ?? JSON.stringify(part.chunk));
    }
    usage = part.usage;
    if (!clientWantsUsage) return undefined;
    if (part.raw) return encodeSseData(part.raw);
    const { inputTokens, outputTokens, cachedInputTokens, reasoningTokens } = part.usage;
    return encodeSseData(
      JSON.stringify({
        id: last?.id ?? `${usageChunk.idPrefix}-${requestId}`,
        object: usageChunk.object,
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
  // The stream's controller, from `start` on: the callbacks below are made once per stream, not per part.
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const finish = async () => {
    await end('ok');
    controller.enqueue(SSE_DONE);
    controller.close();
  };
  const fail = async (error: unknown) => {
    await end('error');
    controller.enqueue(encodeSseData(JSON.stringify(streamErrorEvent(error, requestId))));
    controller.close();
  };
  const forward = (next: IteratorResult<StreamPart<Chunk>>): Promise<void> | undefined => {
    try {
      if (next.done) return finish();
      const bytes = encode(next.value);
      if (!bytes) return pull();
      controller.enqueue(bytes);
    } catch (error) {
      return fail(error);
    }
  };
  // One part per pull, as one `then` on the router's iterator (no async function around it).
  const pull = (): Promise<void> => iterator.next().then(forward, fail);
  return new ReadableStream<Uint8Array>({
    start(streamController) {
      controller = streamController;
      for (const part of outcome.head) {
        const bytes = encode(part);
        if (bytes) controller.enqueue(bytes);
      }
    },
    pull,
    async cancel() {
      outcome.cancel();
      options.onCancel?.();
      await end('client-aborted');
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

/**
 * On Node, @hono/node-server writes a streamed response's headers on their own (a `flushHeaders`, one
 * socket write) before it reads the body, whose first frames (the parts up to the first token) are
 * already waiting. Corking the socket until the end of this tick sends the headers and those frames in
 * one write; nothing waits for anything that is not already there. Elsewhere (Workers, `app.request`)
 * there is no Node response in `c.env` and this does nothing.
 */
export function writeHeadersWithFirstFrames(c: Context): void {
  const outgoing = (c.env as { outgoing?: Partial<Corkable> } | undefined)?.outgoing;
  const nextTick = (globalThis as { process?: { nextTick?: (fn: () => void) => void } }).process?.nextTick;
  if (typeof outgoing?.cork !== 'function' || typeof outgoing.uncork !== 'function' || !nextTick) return;
  const corkable = outgoing as Corkable;
  corkable.cork();
  nextTick(() => corkable.uncork());
}

interface Corkable {
  cork(): void;
  uncork(): void;
}
