import type { ByteSource } from '../../core/byte-source.js';
import { createSseDecoder, type SseDecoder, type SseMessage } from '../../core/sse.js';
import type { StreamPart, UpstreamError } from '../../ports/chat-model.js';
import { describeError, hasChoices, isErrorObject, parseLoose } from './openai-frames.js';
import { toTokenUsage } from './openai-usage.js';

export interface OpenAIStreamPartsOptions {
  signal: AbortSignal;
  /** Forward the usage chunk as a part (it is always read, and checked). */
  includeUsage: boolean;
  /** What a frame must be, for error messages: "a chat completion chunk". */
  what: string;
  /** Makes the adapter's typed errors. */
  fail(kind: 'protocol', message: string, cause?: unknown): UpstreamError;
  aborted(signal: AbortSignal): UpstreamError;
  /** An `{"error": ...}` frame (or an `error` event) as an UpstreamError. */
  streamError(value: unknown, where: string): UpstreamError;
}

/**
 * The parts of an OpenAI-protocol SSE stream (chat or legacy completions): chunks as they came (with
 * their `raw` JSON), the usage chunk when asked for, an end at `[DONE]`, and UpstreamErrors for error
 * frames, malformed frames, a cut stream and an abort. Iterate at most once.
 *
 * One iterator instead of a chain of async generators: each read of the body is decoded and turned into
 * parts at once, and `next` hands them out from a queue, so a chunk costs one promise here, not one per
 * layer. A failure found in a read is thrown after the parts before it, as a generator would.
 */
export function openAIStreamParts<Chunk>(
  source: ByteSource,
  options: OpenAIStreamPartsOptions,
): AsyncIterable<StreamPart<Chunk>> {
  const iterator = new OpenAIStreamParts<Chunk>(source, options);
  return { [Symbol.asyncIterator]: () => iterator };
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

class OpenAIStreamParts<Chunk> implements AsyncIterator<StreamPart<Chunk>, undefined> {
  readonly #decoder: SseDecoder = createSseDecoder();
  #queue: StreamPart<Chunk>[] = [];
  #head = 0;
  /** Thrown once the queue is empty. */
  #failure: { error: unknown } | undefined;
  /** Nothing more to read: `[DONE]` came, the body ended or failed, or iteration stopped. */
  #finished = false;
  #listening = false;

  constructor(
    private readonly source: ByteSource,
    private readonly options: OpenAIStreamPartsOptions,
  ) {}

  // Cancelling makes the pending read settle; `#read` then reports the abort.
  readonly #onAbort = () => this.source.cancel(this.options.signal.reason);

  async next(): Promise<IteratorResult<StreamPart<Chunk>, undefined>> {
    for (;;) {
      if (this.#head < this.#queue.length) {
        const value = this.#queue[this.#head++] as StreamPart<Chunk>;
        return { done: false, value };
      }
      if (this.#failure) {
        const { error } = this.#failure;
        this.#failure = undefined;
        throw error;
      }
      if (this.#finished) return DONE;
      await this.#read();
    }
  }

  async return(): Promise<IteratorResult<StreamPart<Chunk>, undefined>> {
    this.#failure = undefined;
    this.#queue = [];
    this.#head = 0;
    this.#finish(true);
    return DONE;
  }

  /** Reads the body once and queues what it brought: parts, then maybe a failure or the end. */
  async #read(): Promise<void> {
    const { signal } = this.options;
    let bytes: Uint8Array | null;
    try {
      if (!this.#listening) {
        signal.throwIfAborted();
        this.#listening = true;
        signal.addEventListener('abort', this.#onAbort, { once: true });
      }
      bytes = await this.source.read();
      signal.throwIfAborted();
    } catch (error) {
      this.#fail(
        signal.aborted
          ? this.options.aborted(signal)
          : this.options.fail('protocol', `the stream broke off: ${describeError(error)}`, error),
      );
      return;
    }
    if (this.#finished) return; // stopped while reading
    this.#queue = [];
    this.#head = 0;
    if (bytes !== null) {
      this.#take(this.#decoder.push(bytes));
      return;
    }
    const { messages, end } = this.#decoder.finish();
    if (this.#take(messages)) return;
    this.#finish(false);
    // Some servers omit the blank line after the last frame; a [DONE] that arrived is still an end.
    if (!end.clean && end.unterminated.data === '[DONE]') return;
    this.#failure = {
      error: this.options.fail(
        'protocol',
        end.clean ? 'the stream ended without [DONE]' : 'the stream was cut inside a frame',
      ),
    };
  }

  /** Queues the messages' parts; true when the stream is over (`[DONE]` or a failure). */
  #take(messages: SseMessage[]): boolean {
    for (const message of messages) {
      try {
        if (this.#part(message)) {
          // Nothing after [DONE] matters: let the connection go (a no-op when the body already ended).
          this.#finish(true);
          return true;
        }
      } catch (error) {
        this.#fail(error);
        return true;
      }
    }
    return false;
  }

  /** Queues one message's part; true at `[DONE]`. */
  #part(message: SseMessage): boolean {
    const { options } = this;
    const { data } = message;
    if (data === '[DONE]') return true;
    if (message.event === 'error') throw options.streamError(parseLoose(data), 'as an error event');
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (error) {
      throw options.fail('protocol', `malformed stream frame: ${data.slice(0, 200)}`, error);
    }
    if (isErrorObject(parsed)) throw options.streamError(parsed, 'inside the stream');
    if (!hasChoices(parsed))
      throw options.fail('protocol', `the stream frame is not ${options.what}: ${data.slice(0, 200)}`);
    if (parsed.choices.length === 0 && parsed.usage) {
      const usage = toTokenUsage(parsed.usage);
      if (!usage) throw options.fail('protocol', `unreadable usage in the stream: ${data.slice(0, 200)}`);
      if (options.includeUsage) this.#queue.push({ type: 'usage', usage, raw: data });
      return false;
    }
    this.#queue.push({ type: 'chunk', chunk: parsed as Chunk, raw: data });
    return false;
  }

  /** Queues the failure (thrown after the parts before it) and lets the body go. */
  #fail(error: unknown): void {
    this.#failure = { error };
    this.#finish(true);
  }

  /** Stops listening for the abort; cancels the body unless it ended (a second call does nothing). */
  #finish(cancel: boolean): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#listening) this.options.signal.removeEventListener('abort', this.#onAbort);
    this.#listening = false;
    if (cancel) this.source.cancel();
  }
}
