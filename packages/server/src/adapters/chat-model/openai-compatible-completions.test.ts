import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CompletionStreamPart, UpstreamError } from '../../ports/chat-model.js';
import { createOpenAIChatFake } from '../../testing/openai-chat-fake/openai-chat-fake.js';
import { createOpenAICompatibleChatModel } from './openai-compatible-chat-model.js';
import type { OpenAICompatibleKind } from './openai-compatible-field-policy.js';

const vllm = createOpenAIChatFake({ baseURL: 'http://vllm.legacy.test/v1', flavour: 'vllm' });
const trtllm = createOpenAIChatFake({ baseURL: 'http://trtllm.legacy.test/v1', flavour: 'trtllm' });
const openai = createOpenAIChatFake({ baseURL: 'http://openai.legacy.test/v1', flavour: 'openai' });
const fakes = [vllm, trtllm, openai];
const server = setupServer(...fakes.flatMap((fake) => fake.handlers));
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  for (const fake of fakes) {
    expect(fake.invalidRequests).toEqual([]);
    fake.reset();
  }
});
afterAll(() => server.close());

const modelFor = (kind: OpenAICompatibleKind, host: string, model: string) =>
  createOpenAICompatibleChatModel({ id: `${host}-1`, kind, baseURL: `http://${host}.legacy.test/v1`, model });
const vllmModel = modelFor('vllm', 'vllm', 'meta-llama/Llama-3.1-8B-Instruct');
const trtllmModel = modelFor('trtllm', 'trtllm', 'Llama-3.1-8B-Instruct');
const openaiModel = modelFor('openai-compatible', 'openai', 'gpt-4o-mini');
const signal = () => new AbortController().signal;

async function collect(iterable: AsyncIterable<CompletionStreamPart>): Promise<CompletionStreamPart[]> {
  const parts: CompletionStreamPart[] = [];
  for await (const part of iterable) parts.push(part);
  return parts;
}
const textOf = (parts: CompletionStreamPart[]) =>
  parts.map((p) => (p.type === 'chunk' ? p.chunk.choices.map((c) => c.text).join('') : '')).join('');

describe('OpenAI-compatible legacy completions', () => {
  it('posts to /completions and returns the upstream text_completion with its usage', async () => {
    const { completion, usage } = await vllmModel.complete(
      { model: 'meta-llama/Llama-3.1-8B-Instruct', prompt: 'Once upon a time', max_tokens: 8 },
      { signal: signal() },
    );
    expect(completion).toMatchObject({
      object: 'text_completion',
      choices: [
        { index: 0, text: 'You prompted: Once upon a time', finish_reason: 'stop', stop_reason: null },
      ],
    });
    expect(completion.id).toMatch(/^cmpl-/);
    expect(usage).toEqual({ inputTokens: 5, outputTokens: 6, cachedInputTokens: 0, reasoningTokens: 0 });
    expect(vllm.requests.map((r) => [r.endpoint, r.stream])).toEqual([['completions', false]]);
    expect(vllm.requests[0]?.body).not.toHaveProperty('stream_options');
  });

  it('passes batches and token prompts through untouched', async () => {
    const { completion } = await vllmModel.complete(
      { model: 'meta-llama/Llama-3.1-8B-Instruct', prompt: [[1, 2], [3]], n: 2 },
      { signal: signal() },
    );
    expect(completion.choices.map((c) => c.text)).toEqual([
      'You prompted: 2 token ids',
      'You prompted: 2 token ids',
      'You prompted: 1 token ids',
      'You prompted: 1 token ids',
    ]);
    expect(vllm.requests[0]?.body.prompt).toEqual([[1, 2], [3]]);
  });

  it('streams text chunks verbatim, asks for usage and yields it as a usage part', async () => {
    const parts = await collect(
      await vllmModel.streamCompletion(
        { model: 'meta-llama/Llama-3.1-8B-Instruct', prompt: 'Hi there', stream: true },
        { signal: signal() },
      ),
    );
    expect(textOf(parts)).toBe('You prompted: Hi there');
    const chunks = parts.filter((p) => p.type === 'chunk');
    for (const part of chunks) expect(JSON.parse(part.raw ?? '')).toEqual(part.chunk);
    expect(parts.at(-1)).toMatchObject({ type: 'usage', usage: { inputTokens: 3, outputTokens: 4 } });
    expect(vllm.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });

    const without = await collect(
      await vllmModel.streamCompletion(
        { model: 'meta-llama/Llama-3.1-8B-Instruct', prompt: 'Hi there', stream: true },
        { signal: signal(), includeUsage: false },
      ),
    );
    expect(without.some((p) => p.type === 'usage')).toBe(false);
  });

  it('applies each kind`s completion field policy (the trtllm and OpenAI fakes answer 400 otherwise)', async () => {
    const extras = { top_k: 20, min_p: 0.05, structured_outputs: { choice: ['a'] }, echo: true };
    await trtllmModel.complete({ model: 'x', prompt: 'Hi', ...extras }, { signal: signal() });
    expect(trtllm.requests[0]?.body).toMatchObject({ top_k: 20, min_p: 0.05, echo: true });
    expect(trtllm.requests[0]?.body).not.toHaveProperty('structured_outputs');

    const { completion } = await openaiModel.complete(
      { model: 'gpt-4o-mini', prompt: 'Hi', ...extras, best_of: 1, suffix: null },
      { signal: signal() },
    );
    expect(completion.choices[0]?.text).toBe('HiYou prompted: Hi');
    expect(openai.requests[0]?.body).toMatchObject({ echo: true, best_of: 1 });
    expect(openai.requests[0]?.body).not.toHaveProperty('top_k');
    expect(openai.requests[0]?.body).not.toHaveProperty('structured_outputs');

    await collect(
      await trtllmModel.streamCompletion(
        { model: 'x', prompt: 'Hi', stream: true, stream_options: { continuous_usage_stats: true } },
        { signal: signal() },
      ),
    );
    expect(trtllm.requests[1]?.body.stream_options).toEqual({
      continuous_usage_stats: true,
      include_usage: true,
    });
  });

  it('reports upstream failures as for chat: http, protocol on a cut, stream-error on an error frame', async () => {
    const request = { model: 'meta-llama/Llama-3.1-8B-Instruct', prompt: 'Hi there you', stream: true };
    vllm.fault({ type: 'status', status: 503 });
    const http = await vllmModel.complete(request, { signal: signal() }).catch((e: unknown) => e);
    expect(http).toBeInstanceOf(UpstreamError);
    expect((http as UpstreamError).details).toMatchObject({ kind: 'http', status: 503, target: 'vllm-1' });

    vllm.fault({ type: 'cut-after', chunks: 2 });
    const seen: CompletionStreamPart[] = [];
    const cut = await (async () => {
      for await (const part of await vllmModel.streamCompletion(request, { signal: signal() }))
        seen.push(part);
    })().catch((e: unknown) => e);
    expect((cut as UpstreamError).details.kind).toBe('protocol');
    expect(textOf(seen)).toBe('You prompted:');

    vllm.fault({ type: 'error-frame-after', chunks: 1 });
    const frame = await collect(await vllmModel.streamCompletion(request, { signal: signal() })).catch(
      (e: unknown) => e,
    );
    expect((frame as UpstreamError).details).toMatchObject({ kind: 'stream-error', status: 500 });
  });

  it('calls onResponse when the headers arrive, before a slow body', async () => {
    vllm.fault({ type: 'slow-body', ms: 200 });
    const started = performance.now();
    let headersAt: number | undefined;
    const { completion } = await vllmModel.complete(
      { model: 'meta-llama/Llama-3.1-8B-Instruct', prompt: 'Hi' },
      { signal: signal(), onResponse: () => (headersAt = performance.now() - started) },
    );
    expect(completion.choices[0]?.text).toBe('You prompted: Hi');
    expect(headersAt).toBeLessThan(150);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });
});
