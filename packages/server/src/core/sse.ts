import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One server-sent event: `event` and `id` are undefined when the stream did not set them. */
export type SseMessage = EventSourceMessage;

/**
 * How the byte stream ended, known once iteration has finished without throwing. `clean`: the last
 * bytes completed a message (or the stream was empty). Otherwise the upstream closed in the middle of
 * a message; `unterminated` is what that message would have been (per the SSE spec it is not
 * dispatched, so it is never yielded). Whether a clean end is a complete answer is the caller's call
 * (OpenAI streams need `[DONE]`; Triton needs a final frame).
 */
export type SseEnd = { clean: true } | { clean: false; unterminated: SseMessage };

export interface SseReader extends AsyncIterable<SseMessage> {
  /** Set when iteration ends normally; undefined while reading, after a throw or an early break. */
  readonly end: SseEnd | undefined;
}

export interface ReadSseOptions {
  /**
   * Stops reading when aborted: the body is cancelled (which releases the upstream connection) and
   * iteration throws the signal's reason. A fetch signal alone is not enough: some fetch
   * implementations (msw's interceptor among them) leave a pending body read hanging after an abort.
   */
  signal?: AbortSignal;
}

/**
 * Reads a `text/event-stream` body as messages. Comments (keep-alives) are skipped; CRLF, CR and LF
 * line ends and multi-line `data:` fields follow the SSE spec (eventsource-parser does the parsing).
 * A read error (connection reset) is thrown as is. Breaking out of the loop cancels the body.
 */
export function readSse(body: ReadableStream<Uint8Array>, options: ReadSseOptions = {}): SseReader {
  const state: { end: SseEnd | undefined } = { end: undefined };
  return {
    get end() {
      return state.end;
    },
    [Symbol.asyncIterator]: () => iterate(body, options.signal, state),
  };
}

const STREAM: TextDecodeOptions = { stream: true };

async function* iterate(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal | undefined,
  state: { end: SseEnd | undefined },
): AsyncGenerator<SseMessage, void, undefined> {
  signal?.throwIfAborted();
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let queue: SseMessage[] = [];
  const parser = createParser({ onEvent: (message) => queue.push(message) });
  let finished = false;
  // The cancel promise is not awaited: with some fetch implementations it never settles. Cancelling
  // makes the pending read resolve as done; the loop below then throws the abort reason.
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      signal?.throwIfAborted();
      if (done) break;
      parser.feed(decoder.decode(value, STREAM));
      if (queue.length > 0) {
        const ready = queue;
        queue = [];
        yield* ready;
      }
    }
    const rest = decoder.decode();
    if (rest) parser.feed(rest);
    const ready = queue;
    queue = [];
    yield* ready;
    // Terminate whatever is pending: a message that comes out was cut before its blank line.
    parser.feed('\n\n');
    const [unterminated] = queue;
    state.end = unterminated ? { clean: false, unterminated } : { clean: true };
    finished = true;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (finished) reader.releaseLock();
    else void reader.cancel().catch(() => {});
  }
}

const encoder = new TextEncoder();

/** `data: <json>\n\n`. The text must be one line (JSON.stringify output is). */
export function encodeSseData(json: string): Uint8Array {
  return encoder.encode(`data: ${json}\n\n`);
}

/** The OpenAI end-of-stream marker, `data: [DONE]\n\n`. */
export const SSE_DONE: Uint8Array = encoder.encode('data: [DONE]\n\n');

/** A full event with optional `event:` and `id:` lines; multi-line data becomes several `data:` lines. */
export function encodeSseEvent(message: { data: string; event?: string; id?: string }): Uint8Array {
  let text = '';
  if (message.event !== undefined) text += `event: ${message.event}\n`;
  if (message.id !== undefined) text += `id: ${message.id}\n`;
  for (const line of message.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return encoder.encode(`${text}\n`);
}

/** A comment line, e.g. a keep-alive (`: ping\n\n`); clients ignore it. */
export function encodeSseComment(text = ''): Uint8Array {
  return encoder.encode(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`);
}

/** Headers for an SSE response from the gateway's front door. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};
