import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ChatModel,
  type ChatRequest,
  type ChatStreamPart,
  type CompletionStreamPart,
  UpstreamError,
  type UpstreamFailureKind,
} from './chat-model.js';

/**
 * What a ChatModel adapter's test gives the contract suite: the adapter, wired to a fake of its upstream,
 * and the fake's fault switches. Each fault applies to the NEXT upstream request only (queued in order).
 * "Chunks" below count the upstream's content-bearing stream frames (an OpenAI chunk, a Bedrock
 * contentBlockDelta, a Triton generate_stream event), not bytes.
 */
export interface ChatModelContractSubject {
  model: ChatModel;
  /** Whether the upstream protocol reports token usage (non-streaming and at the end of a stream). */
  reportsUsage: boolean;
  faults: {
    /** Answer the next request with this HTTP status (an error body in the upstream's own shape). */
    failNext(status: number, options?: { retryAfterSeconds?: number }): void;
    /** Refuse the next connection (no HTTP response at all). */
    refuseNext(): void;
    /** Never send response headers for the next request; hang until the request is aborted. */
    hangNext(): void;
    /** Send K chunks of the next stream, then stall (send nothing, keep the connection open) until aborted. */
    stallNextStreamAfter(chunks: number): void;
    /** Send K chunks of the next stream, then close it without the protocol's end marker. */
    cutNextStreamAfter(chunks: number): void;
    /** Send K chunks of the next stream, then the protocol's in-stream error (vLLM error frame, Bedrock exception). */
    errorFrameNextStreamAfter(chunks: number): void;
  };
  /**
   * How many upstream requests so far the fake saw abandoned by the client: the request's signal aborted
   * or the response body cancelled. Lets the suite check that an abort really reaches the upstream.
   */
  upstreamAborts(): number;
  cleanup?(): void | Promise<void>;
}

/**
 * The behaviour every ChatModel adapter must have, whatever its protocol. The fake behind the subject
 * must answer deterministically: the same request gets the same content, streamed or not, and the
 * answer must be at least 3 stream chunks long.
 */
export function runChatModelContract(name: string, setup: () => Promise<ChatModelContractSubject>): void {
  describe(`ChatModel contract: ${name}`, () => {
    let subject: ChatModelContractSubject;
    let model: ChatModel;
    beforeEach(async () => {
      subject = await setup();
      model = subject.model;
    });
    afterEach(async () => {
      await subject.cleanup?.();
    });

    const request = (): ChatRequest => ({
      model: model.target.model,
      messages: [
        { role: 'system', content: 'You are a terse assistant.' },
        { role: 'user', content: 'Name three primary colours.' },
      ],
      max_tokens: 32,
      temperature: 0,
    });
    const options = (signal = new AbortController().signal, includeUsage?: boolean) =>
      includeUsage === undefined ? { signal } : { signal, includeUsage };

    it('generate returns an assistant chat.completion and its usage', async () => {
      const result = await model.generate(request(), options());
      const { completion } = result;
      expect(completion.object).toBe('chat.completion');
      expect(typeof completion.id).toBe('string');
      expect(Number.isInteger(completion.created)).toBe(true);
      expect(completion.choices).toHaveLength(1);
      const choice = completion.choices[0];
      expect(choice?.index).toBe(0);
      expect(choice?.message.role).toBe('assistant');
      expect(typeof choice?.message.content).toBe('string');
      expect((choice?.message.content ?? '').length).toBeGreaterThan(0);
      expect(typeof choice?.finish_reason).toBe('string');
      if (subject.reportsUsage) {
        expect(result.usage).not.toBeNull();
        expect(result.usage?.inputTokens).toBeGreaterThan(0);
        expect(result.usage?.outputTokens).toBeGreaterThan(0);
        expect(result.usage?.cachedInputTokens).toBeGreaterThanOrEqual(0);
        expect(result.usage?.reasoningTokens).toBeGreaterThanOrEqual(0);
      } else {
        expect(result.usage).toBeNull();
      }
    });

    it('streams chunks whose deltas add up to the generate content, then ends cleanly with usage', async () => {
      const generated = await model.generate(request(), options());
      const iterable = await model.stream(request(), options());
      const parts = await collect(iterable);
      const chunks = parts.filter((p) => p.type === 'chunk');
      expect(chunks.length).toBeGreaterThanOrEqual(3);
      for (const part of chunks) {
        expect(part.chunk.object).toBe('chat.completion.chunk');
        expect(typeof part.chunk.id).toBe('string');
        expect(Array.isArray(part.chunk.choices)).toBe(true);
      }
      expect(contentOf(parts)).toBe(generated.completion.choices[0]?.message.content);
      const finishReasons = chunks
        .flatMap((p) => p.chunk.choices.map((c) => c.finish_reason))
        .filter(Boolean);
      expect(finishReasons).toHaveLength(1);

      const usageParts = parts.filter((p) => p.type === 'usage');
      if (subject.reportsUsage) {
        expect(usageParts).toHaveLength(1);
        const [usage] = usageParts;
        expect(usage?.type === 'usage' && usage.usage.inputTokens).toBeGreaterThan(0);
        expect(usage?.type === 'usage' && usage.usage.outputTokens).toBeGreaterThan(0);
        // Usage comes after every content chunk.
        expect(parts.indexOf(usage as ChatStreamPart)).toBeGreaterThan(
          parts.findLastIndex((p) => p.type === 'chunk' && p.chunk.choices.length > 0),
        );
      } else {
        expect(usageParts).toHaveLength(0);
      }
    });

    it('yields no usage part when the caller does not ask for usage', async () => {
      const parts = await collect(await model.stream(request(), options(undefined, false)));
      expect(parts.filter((p) => p.type === 'usage')).toHaveLength(0);
      expect(contentOf(parts).length).toBeGreaterThan(0);
    });

    it('rejects with "aborted" when the signal is already aborted', async () => {
      const signal = AbortSignal.abort();
      await expectUpstreamError(model.generate(request(), { signal }), 'aborted');
      await expectUpstreamError(model.stream(request(), { signal }), 'aborted');
    });

    it('aborts the upstream request when the caller aborts before the headers (generate)', async () => {
      subject.faults.hangNext();
      const controller = new AbortController();
      const pending = model.generate(request(), options(controller.signal));
      setTimeout(() => controller.abort(), 20);
      await expectUpstreamError(withDeadline(pending), 'aborted');
      await eventually(() => expect(subject.upstreamAborts()).toBe(1));
    });

    it('aborts the upstream request when the caller aborts before the headers (stream)', async () => {
      subject.faults.hangNext();
      const controller = new AbortController();
      const pending = model.stream(request(), options(controller.signal));
      setTimeout(() => controller.abort(), 20);
      await expectUpstreamError(withDeadline(pending), 'aborted');
      await eventually(() => expect(subject.upstreamAborts()).toBe(1));
    });

    it('aborts the upstream request when the caller aborts mid-stream', async () => {
      subject.faults.stallNextStreamAfter(2);
      const controller = new AbortController();
      const iterable = await model.stream(request(), options(controller.signal));
      const seen: ChatStreamPart[] = [];
      const error = await withDeadline(
        collect(iterable, (part) => {
          seen.push(part);
          if (contentOf(seen).length > 0) setTimeout(() => controller.abort(), 20);
        }),
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      expectUpstreamErrorValue(error, 'aborted');
      expect(contentOf(seen).length).toBeGreaterThan(0);
      await eventually(() => expect(subject.upstreamAborts()).toBe(1));
    });

    for (const status of [500, 503]) {
      it(`reports HTTP ${status} as "http" with the status, for generate and stream`, async () => {
        subject.faults.failNext(status);
        const generateError = await expectUpstreamError(model.generate(request(), options()), 'http');
        expect(generateError.details.status).toBe(status);
        subject.faults.failNext(status);
        const streamError = await expectUpstreamError(model.stream(request(), options()), 'http');
        expect(streamError.details.status).toBe(status);
      });
    }

    it('reports 429 with Retry-After as retryAfterMs', async () => {
      subject.faults.failNext(429, { retryAfterSeconds: 7 });
      const generateError = await expectUpstreamError(model.generate(request(), options()), 'http');
      expect(generateError.details.status).toBe(429);
      expect(generateError.details.retryAfterMs).toBe(7000);
      subject.faults.failNext(429, { retryAfterSeconds: 2 });
      const streamError = await expectUpstreamError(model.stream(request(), options()), 'http');
      expect(streamError.details.status).toBe(429);
      expect(streamError.details.retryAfterMs).toBe(2000);
    });

    it('reports a refused connection as "connection"', async () => {
      subject.faults.refuseNext();
      await expectUpstreamError(model.generate(request(), options()), 'connection');
      subject.faults.refuseNext();
      await expectUpstreamError(model.stream(request(), options()), 'connection');
    });

    it('throws "protocol" when the stream is cut, after yielding the chunks before the cut', async () => {
      const full = (await model.generate(request(), options())).completion.choices[0]?.message.content ?? '';
      subject.faults.cutNextStreamAfter(2);
      const seen: ChatStreamPart[] = [];
      const error = await collect(await model.stream(request(), options()), (p) => seen.push(p)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expectUpstreamErrorValue(error, 'protocol');
      const partial = contentOf(seen);
      expect(partial.length).toBeGreaterThan(0);
      expect(partial.length).toBeLessThan(full.length);
      expect(full.startsWith(partial)).toBe(true);
      expect(seen.filter((p) => p.type === 'usage')).toHaveLength(0);
    });

    it('throws "stream-error" on an error inside a 2xx stream, after yielding the chunks before it', async () => {
      subject.faults.errorFrameNextStreamAfter(2);
      const seen: ChatStreamPart[] = [];
      const error = await collect(await model.stream(request(), options()), (p) => seen.push(p)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expectUpstreamErrorValue(error, 'stream-error');
      expect(contentOf(seen).length).toBeGreaterThan(0);
    });

    it('calls onResponse once per call when the headers arrive, on success and on an HTTP error', async () => {
      let calls = 0;
      const onResponse = () => calls++;
      await model.generate(request(), { signal: new AbortController().signal, onResponse });
      expect(calls).toBe(1);
      await collect(await model.stream(request(), { signal: new AbortController().signal, onResponse }));
      expect(calls).toBe(2);
      subject.faults.failNext(503);
      await expectUpstreamError(
        model.generate(request(), { signal: new AbortController().signal, onResponse }),
        'http',
      );
      expect(calls).toBe(3);
      subject.faults.refuseNext();
      await expectUpstreamError(
        model.generate(request(), { signal: new AbortController().signal, onResponse }),
        'connection',
      );
      expect(calls).toBe(3);
    });

    it('completes a legacy prompt: a text_completion, and a stream whose text adds up to it', async () => {
      const prompt = { model: model.target.model, prompt: 'Name three primary colours.', max_tokens: 32 };
      const { completion, usage } = await model.complete(prompt, options());
      expect(completion.object).toBe('text_completion');
      expect(completion.choices).toHaveLength(1);
      const text = completion.choices[0]?.text ?? '';
      expect(text.length).toBeGreaterThan(0);
      expect(typeof completion.choices[0]?.finish_reason).toBe('string');
      if (subject.reportsUsage) expect(usage?.outputTokens).toBeGreaterThan(0);
      else expect(usage).toBeNull();

      const parts: CompletionStreamPart[] = [];
      for await (const part of await model.streamCompletion({ ...prompt, stream: true }, options()))
        parts.push(part);
      let streamed = '';
      for (const part of parts) {
        if (part.type !== 'chunk') continue;
        expect(part.chunk.object).toBe('text_completion');
        for (const choice of part.chunk.choices) streamed += choice.text;
      }
      expect(streamed).toBe(text);
      const finishes = parts
        .flatMap((p) => (p.type === 'chunk' ? p.chunk.choices : []))
        .filter((c) => c.finish_reason);
      expect(finishes).toHaveLength(1);
      expect(parts.filter((p) => p.type === 'usage')).toHaveLength(subject.reportsUsage ? 1 : 0);
    });

    it('names the target in every error', async () => {
      subject.faults.failNext(500);
      const error = await expectUpstreamError(model.generate(request(), options()), 'http');
      expect(error.details.target).toBe(model.target.id);
    });
  });
}

async function collect(
  iterable: AsyncIterable<ChatStreamPart>,
  onPart?: (part: ChatStreamPart) => void,
): Promise<ChatStreamPart[]> {
  const parts: ChatStreamPart[] = [];
  for await (const part of iterable) {
    parts.push(part);
    onPart?.(part);
  }
  return parts;
}

function contentOf(parts: ChatStreamPart[]): string {
  let text = '';
  for (const part of parts) {
    if (part.type !== 'chunk') continue;
    for (const choice of part.chunk.choices) {
      if (choice.index === 0 && typeof choice.delta.content === 'string') text += choice.delta.content;
    }
  }
  return text;
}

async function expectUpstreamError(
  promise: Promise<unknown>,
  kind: UpstreamFailureKind,
): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return expectUpstreamErrorValue(error, kind);
}

function expectUpstreamErrorValue(error: unknown, kind: UpstreamFailureKind): UpstreamError {
  expect(error).toBeInstanceOf(UpstreamError);
  const upstreamError = error as UpstreamError;
  expect(upstreamError.details.kind).toBe(kind);
  return upstreamError;
}

/** Fails fast instead of waiting for the test timeout when an abort is not honoured. */
function withDeadline<T>(promise: Promise<T>, ms = 2000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending ${ms} ms after the abort`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function eventually(check: () => void, timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
