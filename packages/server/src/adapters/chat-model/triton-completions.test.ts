import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../core/api-error.js';
import type { CompletionRequest, CompletionStreamPart } from '../../ports/chat-model.js';
import { createTritonFake } from '../../testing/triton-fake/triton-fake.js';
import { createTritonChatModel } from './triton-chat-model.js';

const BASE = 'http://triton-legacy.test:8000';
const fake = createTritonFake({
  baseUrl: BASE,
  models: {
    ensemble: {},
    scripted: { flavour: 'python', reply: () => ['Hel', 'lo', '', ' wor', 'ld'], finishReason: 'length' },
  },
});
const server = setupServer(...fake.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => fake.reset());
afterAll(() => server.close());

const model = (name = 'ensemble') =>
  createTritonChatModel({ id: 'triton-a', baseURL: BASE, model: name, now: () => 1_700_000_000_500 });
const signal = () => new AbortController().signal;
const request = (overrides: Partial<CompletionRequest> = {}): CompletionRequest => ({
  model: 'ensemble',
  prompt: '<s>[INST] Colours? [/INST]',
  max_tokens: 4,
  ...overrides,
});

describe('Triton legacy completions', () => {
  it('sends the prompt itself as text_input, no template, with the same sampling mapping as chat', async () => {
    await model().complete(request({ temperature: 0.2, stop: ['\n'] }), { signal: signal() });
    expect(fake.requests[0]?.body).toEqual({
      text_input: '<s>[INST] Colours? [/INST]',
      max_tokens: 4,
      stop_words: ['\n'],
      exclude_input_in_output: true,
      parameters: { temperature: 0.2 },
    });
  });

  it('answers a text_completion with the model`s finish reason and no usage', async () => {
    const { completion, usage } = await model('scripted').complete(
      request({ model: 'scripted', max_tokens: 16 }),
      {
        signal: signal(),
      },
    );
    expect(completion).toEqual({
      id: expect.stringMatching(/^cmpl-[0-9a-f]{24}$/),
      object: 'text_completion',
      created: 1_700_000_000,
      model: 'scripted',
      choices: [{ index: 0, text: 'Hello world', logprobs: null, finish_reason: 'length' }],
    });
    expect(usage).toBeNull();
  });

  it('streams text chunks, dropping empty deltas, with the finish reason on a last empty chunk', async () => {
    const parts: CompletionStreamPart[] = [];
    for await (const part of await model('scripted').streamCompletion(
      request({ model: 'scripted', max_tokens: 16 }),
      {
        signal: signal(),
      },
    )) {
      parts.push(part);
    }
    const choices = parts.flatMap((p) => (p.type === 'chunk' ? p.chunk.choices : []));
    expect(choices.map((c) => [c.text, c.finish_reason])).toEqual([
      ['Hel', null],
      ['lo', null],
      [' wor', null],
      ['ld', null],
      ['', 'length'],
    ]);
    expect(fake.requests[0]?.stream).toBe(true);
  });

  it.each([
    ['prompt', { prompt: [1, 2, 3] }, /^prompt: .*not token ids/],
    ['prompt', { prompt: ['a', 'b'] }, /^prompt: .*one prompt per request/],
    ['echo', { echo: true }, /^echo: /],
    ['suffix', { suffix: ' end' }, /^suffix: /],
    ['best_of', { best_of: 3 }, /^best_of: /],
    ['n', { n: 2 }, /^n: /],
  ] as const)(
    'refuses what Triton cannot do (%s) before any upstream call',
    async (_, overrides, message) => {
      const error = await model()
        .complete(request(overrides as Partial<CompletionRequest>), { signal: signal() })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).message).toMatch(message);
      expect(fake.requests).toHaveLength(0);
    },
  );

  it('accepts a batch of exactly one prompt', async () => {
    await model().complete(request({ prompt: ['only one'] }), { signal: signal() });
    expect(fake.requests[0]?.body.text_input).toBe('only one');
  });

  it('calls onResponse when the headers arrive, before a slow body', async () => {
    fake.injectNext({ kind: 'slow-body', ms: 200 });
    const started = performance.now();
    let headersAt: number | undefined;
    await model().complete(request(), {
      signal: signal(),
      onResponse: () => (headersAt = performance.now() - started),
    });
    expect(headersAt).toBeLessThan(150);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });
});
