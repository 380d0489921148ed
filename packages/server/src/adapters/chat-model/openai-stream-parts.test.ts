import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ChatRequest, type ChatStreamPart, UpstreamError } from '../../ports/chat-model.js';
import { createNodeUpstreamFetch } from '../../runtime/node-upstream-fetch.js';
import { createOpenAIChatFake } from '../../testing/openai-chat-fake/openai-chat-fake.js';
import { createOpenAICompatibleChatModel } from './openai-compatible-chat-model.js';

// The same stream behaviour whichever way the body is read: as a web stream (fetch, Workers) or as
// the Node upstream fetch's ByteSource (no web stream). msw intercepts both.
const BASE = 'http://vllm.parts.test/v1';
const fake = createOpenAIChatFake({ baseURL: BASE, flavour: 'vllm' });
const server = setupServer(...fake.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => fake.reset());

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const ask: ChatRequest = { model: MODEL, messages: [{ role: 'user', content: 'What is Qdrant?' }] };

const bodyPaths: Array<[string, () => typeof fetch | undefined]> = [
  ['a web stream (fetch)', () => undefined],
  ['a ByteSource (Node upstream fetch)', () => createNodeUpstreamFetch()],
];

describe.each(bodyPaths)('OpenAI stream parts read from %s', (_, makeFetch) => {
  const upstreamFetch = makeFetch();
  const model = createOpenAICompatibleChatModel({
    id: 'vllm-1',
    kind: 'vllm',
    baseURL: BASE,
    model: MODEL,
    ...(upstreamFetch && { fetch: upstreamFetch }),
  });

  async function run(signal = new AbortController().signal, stopAfter = Number.POSITIVE_INFINITY) {
    const seen: ChatStreamPart[] = [];
    let error: unknown;
    try {
      for await (const part of await model.stream(ask, { signal })) {
        seen.push(part);
        if (seen.length >= stopAfter) break;
      }
    } catch (e) {
      error = e;
    }
    return { seen, error };
  }

  it('yields every chunk with its raw JSON, then the usage, and leaves the connection unaborted', async () => {
    const { seen, error } = await run();
    expect(error).toBeUndefined();
    const chunks = seen.filter((p) => p.type === 'chunk');
    expect(chunks.length).toBeGreaterThan(2);
    for (const part of chunks) expect(JSON.parse(part.raw ?? '')).toEqual(part.chunk);
    const text = chunks.map((p) => p.chunk.choices[0]?.delta.content ?? '').join('');
    expect(text.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toMatchObject({ type: 'usage', usage: { inputTokens: 10, outputTokens: 5 } });
    expect(fake.abortedRequests()).toBe(0);
  });

  it('delivers chunks as they come when the upstream is slow', async () => {
    fake.fault({ type: 'slow', tokenDelayMs: 15 });
    const started = performance.now();
    const times: number[] = [];
    for await (const _ of await model.stream(ask, { signal: new AbortController().signal }))
      times.push(performance.now() - started);
    // Spread over the stream, not all at the end.
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThan(40);
  });

  it('throws "protocol" after the chunks before a malformed frame, and lets the connection go', async () => {
    fake.fault({ type: 'malformed-after', chunks: 2 });
    const { seen, error } = await run();
    expect(seen).toHaveLength(2);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).details.kind).toBe('protocol');
  });

  it('throws "stream-error" from an error frame, after the chunks before it', async () => {
    fake.fault({ type: 'error-frame-after', chunks: 3, message: 'CUDA out of memory' });
    const { seen, error } = await run();
    expect(seen).toHaveLength(3);
    expect((error as UpstreamError).details).toMatchObject({ kind: 'stream-error', status: 500 });
    expect((error as UpstreamError).message).toContain('CUDA out of memory');
  });

  it('throws "protocol" when the stream ends without [DONE]', async () => {
    fake.fault({ type: 'cut-after', chunks: 2 });
    const { seen, error } = await run();
    expect(seen).toHaveLength(2);
    expect((error as UpstreamError).details.kind).toBe('protocol');
    expect((error as UpstreamError).message).toContain('without [DONE]');
  });

  it('throws "aborted" when the signal aborts mid-stream', async () => {
    fake.fault({ type: 'stall-after', chunks: 2 });
    const controller = new AbortController();
    const pending = run(controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error('client left'));
    const { seen, error } = await pending;
    expect(seen).toHaveLength(2);
    expect((error as UpstreamError).details.kind).toBe('aborted');
  });

  it('ends quietly when the consumer stops early, even while the upstream stalls', async () => {
    fake.fault({ type: 'stall-after', chunks: 2 });
    const { seen, error } = await run(new AbortController().signal, 1);
    expect(seen).toHaveLength(1);
    expect(error).toBeUndefined();
  });
});
