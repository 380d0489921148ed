import type { z } from 'zod';
import {
  type AnswerRequest,
  type AnswerResponse,
  type AnswerStreamEvent,
  answerCitationsEventSchema,
  answerDoneEventSchema,
  answerErrorEventSchema,
  answerResponseSchema,
  answerTokenEventSchema,
} from '../contracts/answer.js';
import { APIConnectionError, APIResponseValidationError, APIUserAbortError } from '../core/errors.js';
import type { StreamOpener } from '../core/open-stream.js';
import type { Requester, RequestOptions } from '../core/request.js';
import { readServerSentEvents } from '../core/sse.js';

/** A streamed answer: iterate it once for its events; `citations` comes first, `done` or `error` last. */
export interface AnswerStream extends AsyncIterable<AnswerStreamEvent> {
  /** The server's `x-request-id`. */
  readonly requestId: string | null;
}

export interface Answer {
  /**
   * `POST /v1/answer`: the answer with its citations, usage and cost. `mode` says whether a model
   * wrote it (`generative`) or it is the best passages as they are (`extractive`).
   */
  create(input: Omit<AnswerRequest, 'stream'>, options?: RequestOptions): Promise<AnswerResponse>;
  /**
   * The same answer as server-sent events: `citations` (before any token), `token`s, then `done`, or
   * `error` when the answer failed after it began (no `done` follows). Errors before the stream began
   * (400, 404, 402, ...) are thrown like `create`'s.
   */
  stream(input: Omit<AnswerRequest, 'stream'>, options?: RequestOptions): Promise<AnswerStream>;
}

const EVENT_SCHEMAS: { [Type in AnswerStreamEvent['type']]: z.ZodType } = {
  citations: answerCitationsEventSchema,
  token: answerTokenEventSchema,
  done: answerDoneEventSchema,
  error: answerErrorEventSchema,
};

export function createAnswer(request: Requester, openStream: StreamOpener): Answer {
  return {
    create: (input, options) =>
      request(
        {
          method: 'POST',
          path: '/v1/answer',
          json: { ...input, stream: false },
          schema: answerResponseSchema,
        },
        options,
      ),
    async stream(input, options) {
      const opened = await openStream(
        { method: 'POST', path: '/v1/answer', json: { ...input, stream: true } },
        options,
      );
      const requestId = opened.response.headers.get('x-request-id');
      let iterated = false;
      return {
        requestId,
        [Symbol.asyncIterator]() {
          if (iterated) throw new TypeError('an answer stream can be iterated once');
          iterated = true;
          return answerEvents(opened.body, requestId, options?.signal, opened.release);
        },
      };
    },
  };
}

async function* answerEvents(
  body: ReadableStream<Uint8Array>,
  requestId: string | null,
  signal: AbortSignal | undefined,
  release: () => void,
): AsyncGenerator<AnswerStreamEvent> {
  try {
    for await (const message of readServerSentEvents(body)) {
      const schema = EVENT_SCHEMAS[message.event as AnswerStreamEvent['type']];
      if (!schema) continue; // Events a newer server may add.
      const event = {
        type: message.event,
        ...parseEvent(schema, message.data, requestId),
      } as AnswerStreamEvent;
      yield event;
      if (event.type === 'done' || event.type === 'error') return;
    }
  } catch (cause) {
    if (signal?.aborted) throw new APIUserAbortError(undefined, { cause });
    if (cause instanceof APIResponseValidationError) throw cause;
    throw new APIConnectionError(
      `the answer stream broke: ${cause instanceof Error ? cause.message : cause}`,
      {
        cause,
      },
    );
  } finally {
    release();
  }
  throw new APIConnectionError('the answer stream ended before its done event');
}

function parseEvent(schema: z.ZodType, data: string, requestId: string | null): object {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new APIResponseValidationError({
      message: `an answer event is not JSON: ${data.slice(0, 200)}`,
      status: 200,
      requestId,
      body: data,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new APIResponseValidationError({
      message: `an answer event does not match the expected shape: ${parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ')}`,
      status: 200,
      requestId,
      body: json,
    });
  }
  return parsed.data as object;
}
