import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { type ByteSource, streamByteSource } from './byte-source.js';

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
 * Turns the bytes of a `text/event-stream` body into messages, one read at a time, for readers that
 * handle a whole read's messages at once. Comments (keep-alives) are skipped; CRLF, CR and LF line
 * ends and multi-line `data:` fields follow the SSE spec (eventsource-parser does the parsing).
 */
export interface SseDecoder {
  /** The messages these bytes complete, in order (often none, or several). */
  push(bytes: Uint8Array): SseMessage[];
  /** At the end of the body: the messages its last bytes completed, and how it ended. */
  finish(): { messages: SseMessage[]; end: SseEnd };
}

const STREAM: TextDecodeOptions = { stream: true };

export function createSseDecoder(): SseDecoder {
  const decoder = new TextDecoder();
  let queue: SseMessage[] = [];
  const parser = createParser({ onEvent: (message) => queue.push(message) });
  const take = () => {
    if (queue.length === 0) return NONE;
    const ready = queue;
    queue = [];
    return ready;
  };
  return {
    push(bytes) {
      parser.feed(decoder.decode(bytes, STREAM));
      return take();
    },
    finish() {
      const rest = decoder.decode();
      if (rest) parser.feed(rest);
      const messages = take();
      // Terminate whatever is pending: a message that comes out was cut before its blank line.
      parser.feed('\n\n');
      const [unterminated] = take();
      return { messages, end: unterminated ? { clean: false, unterminated } : { clean: true } };
    },
  };
}

/** Shared and never written to: most reads of a stream complete one message or none. */
const NONE: SseMessage[] = [];

/**
 * Reads a `text/event-stream` body (a web stream, or a ByteSource such as `byteSourceOf(response)`) as
 * messages; see SseDecoder. A read error (connection reset) is thrown as is. Breaking out of the loop
 * cancels the body.
 */
export function readSse(
  body: ReadableStream<Uint8Array> | ByteSource,
  options: ReadSseOptions = {},
): SseReader {
  const state: { end: SseEnd | undefined } = { end: undefined };
  return {
    get end() {
      return state.end;
    },
    [Symbol.asyncIterator]: () => iterate(body, options.signal, state),
  };
}

async function* iterate(
  body: ReadableStream<Uint8Array> | ByteSource,
  signal: AbortSignal | undefined,
  state: { end: SseEnd | undefined },
): AsyncGenerator<SseMessage, void, undefined> {
  signal?.throwIfAborted();
  // Duck-typed: a web stream from another realm (a test fetch, a polyfill) is no instanceof ReadableStream.
  const source = 'getReader' in body ? streamByteSource(body) : body;
  const decoder = createSseDecoder();
  let finished = false;
  // Cancelling makes the pending read settle; the loop below then throws the abort reason.
  const onAbort = () => source.cancel(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const bytes = await source.read();
      signal?.throwIfAborted();
      if (bytes === null) break;
      yield* decoder.push(bytes);
    }
    const { messages, end } = decoder.finish();
    yield* messages;
    state.end = end;
    finished = true;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!finished) source.cancel();
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
