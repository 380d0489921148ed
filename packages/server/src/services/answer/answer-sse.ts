import { encodeSseEvent } from '../../core/sse.js';
import type { ChatCompletionChunk, ChatStreamPart, TokenUsage } from '../../ports/chat-model.js';
import type { CallOutcomeKind } from '../../ports/cost-repositories.js';
import { StreamInterruptedError, type StreamOutcome } from '../gateway/router.js';

/** One event of an answer stream, as written: `event: <name>` and one JSON `data:` line. */
export function answerEvent(name: 'citations' | 'token' | 'done' | 'error', data: unknown): Uint8Array {
  return encodeSseEvent({ event: name, data: JSON.stringify(data) });
}

export interface AnswerStreamEnd {
  outcome: CallOutcomeKind;
  usage: TokenUsage | null;
  /** The answer text sent so far. */
  text: string;
}

export interface AnswerSseOptions {
  /** The `citations` event's data, sent before any token. */
  citations: unknown;
  outcome: StreamOutcome<ChatStreamPart>;
  requestId: string;
  /**
   * Settles the call once, however the stream ends; for a clean end it returns the `done` event's data.
   * Awaited before the body closes (it may write the usage ledger).
   */
  settle(end: AnswerStreamEnd): Promise<unknown>;
}

/**
 * The SSE body of a generative answer: `event: citations` first, then `event: token` with each piece
 * of text, then `event: done` after a clean end. A failure after the first token sends `event: error`
 * and never `done`, so a cut answer never looks complete (the semantics of routes/gateway-sse.ts).
 * A client that cancels the body cancels the upstream call.
 */
export function answerSseBody(options: AnswerSseOptions): ReadableStream<Uint8Array> {
  const { outcome, requestId } = options;
  let usage: TokenUsage | null = null;
  const texts: string[] = [];
  let settled = false;
  const settle = async (how: CallOutcomeKind): Promise<unknown> => {
    if (settled) return undefined;
    settled = true;
    return options.settle({ outcome: how, usage, text: texts.join('') });
  };
  const encode = (part: ChatStreamPart): Uint8Array | undefined => {
    if (part.type === 'usage') {
      usage = part.usage;
      return undefined;
    }
    const text = chunkText(part.chunk);
    if (!text) return undefined;
    texts.push(text);
    return answerEvent('token', { text });
  };
  const iterator = outcome.rest[Symbol.asyncIterator]();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const fail = async (error: unknown) => {
    try {
      await settle('error');
    } catch {}
    controller.enqueue(answerEvent('error', streamError(error, requestId)));
    controller.close();
  };
  const pull = async (): Promise<void> => {
    let next: IteratorResult<ChatStreamPart>;
    try {
      for (;;) {
        next = await iterator.next();
        if (next.done) break;
        const bytes = encode(next.value);
        if (bytes) {
          controller.enqueue(bytes);
          return;
        }
      }
    } catch (error) {
      return fail(error);
    }
    let done: unknown;
    try {
      done = await settle('ok');
    } catch (error) {
      return fail(error);
    }
    controller.enqueue(answerEvent('done', done));
    controller.close();
  };
  return new ReadableStream<Uint8Array>({
    start(streamController) {
      controller = streamController;
      controller.enqueue(answerEvent('citations', options.citations));
      for (const part of outcome.head) {
        const bytes = encode(part);
        if (bytes) controller.enqueue(bytes);
      }
    },
    pull,
    async cancel() {
      outcome.cancel();
      try {
        await settle('client-aborted');
      } catch {}
    },
  });
}

/** An answer that needs no model: its events are all known up front. */
export function fixedAnswerSseBody(events: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const event of events) controller.enqueue(event);
      controller.close();
    },
  });
}

function chunkText(chunk: ChatCompletionChunk): string {
  let text = '';
  for (const choice of chunk.choices) if (choice.delta.content) text += choice.delta.content;
  return text;
}

function streamError(error: unknown, requestId: string) {
  const timeout =
    error instanceof StreamInterruptedError &&
    (error.details.reason === 'idle-timeout' || error.details.reason === 'total-timeout');
  return {
    error: {
      code: timeout ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_ERROR',
      message:
        error instanceof Error ? `the answer failed: ${error.message}` : 'the answer failed after it began',
      requestId,
    },
  };
}
