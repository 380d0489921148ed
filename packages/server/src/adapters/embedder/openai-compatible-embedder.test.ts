import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runEmbedderContract } from '../../ports/embedder.contract.js';
import { EmbedderUnavailableError, EmbedderUpstreamError } from '../../ports/embedder.js';
import {
  createOpenAIEmbeddingsFake,
  fakeVector,
  openAIError,
  vllmError,
  vllmLegacyError,
} from '../../testing/openai-fake/openai-embeddings-fake.js';
import {
  createOpenAICompatibleEmbedder,
  type OpenAICompatibleEmbedderConfig,
} from './openai-compatible-embedder.js';

const VLLM = 'http://vllm.test/v1';
const OPENAI = 'https://api.openai.test/v1';
const vllm = createOpenAIEmbeddingsFake({
  baseURL: VLLM,
  dimensions: 32,
  reverseOrder: true,
  apiKey: 'vllm-key',
});
const openai = createOpenAIEmbeddingsFake({
  baseURL: OPENAI,
  dimensions: 48,
  flavour: 'openai',
  apiKey: 'sk-test',
});
const server = setupServer(...vllm.handlers, ...openai.handlers);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  // Every request any test made must have matched OpenAI's CreateEmbeddingRequest schema.
  expect(vllm.invalidRequests).toEqual([]);
  expect(openai.invalidRequests).toEqual([]);
  vllm.reset();
  openai.reset();
});
afterAll(() => server.close());

const vllmEmbedder = (overrides: Partial<OpenAICompatibleEmbedderConfig> = {}) =>
  createOpenAICompatibleEmbedder({
    name: 'gpu',
    baseURL: VLLM,
    apiKey: 'vllm-key',
    model: 'BAAI/bge-m3',
    batchSize: 3,
    retryBaseDelayMs: 1,
    ...overrides,
  });

const openaiEmbedder = (overrides: Partial<OpenAICompatibleEmbedderConfig> = {}) =>
  createOpenAICompatibleEmbedder({
    name: 'openai',
    baseURL: OPENAI,
    apiKey: 'sk-test',
    model: 'text-embedding-3-small',
    batchSize: 3,
    retryBaseDelayMs: 1,
    ...overrides,
  });

runEmbedderContract('openai-compatible (vLLM fake)', () => ({
  embedder: vllmEmbedder(),
  upstreamCalls: vllm.calls,
}));
runEmbedderContract('openai-compatible (OpenAI fake)', () => ({
  embedder: openaiEmbedder(),
  upstreamCalls: openai.calls,
}));

const upstreamError = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => expect.fail('expected a failure'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EmbedderUpstreamError);
  return error as EmbedderUpstreamError;
};

describe('createOpenAICompatibleEmbedder requests', () => {
  it('posts batches of inputs with the model, key and extra headers, and sums usage', async () => {
    const embedder = vllmEmbedder({ headers: { 'x-tenant': 'acme' } });
    const texts = ['one', 'two words', 'three little words', 'four', 'five', 'six', 'seven'];
    const result = await embedder.embed(texts);
    expect(vllm.requests.map((r) => r.body.input)).toEqual([
      texts.slice(0, 3),
      texts.slice(3, 6),
      texts.slice(6),
    ]);
    for (const { body, headers } of vllm.requests) {
      expect(body.model).toBe('BAAI/bge-m3');
      expect(body).not.toHaveProperty('dimensions');
      expect(headers.get('authorization')).toBe('Bearer vllm-key');
      expect(headers.get('x-tenant')).toBe('acme');
      expect(headers.get('content-type')).toBe('application/json');
    }
    // The fake counts words + 1 per input.
    expect(result.usage.inputTokens).toBe(texts.reduce((sum, t) => sum + t.split(' ').length + 1, 0));
    expect(result.vectors).toEqual(texts.map((text) => fakeVector(text, 32)));
  });

  it('puts results back in input order by `index` when the server sends them shuffled', async () => {
    const { vectors } = await vllmEmbedder({ batchSize: 10 }).embed(['a', 'b', 'c']);
    expect(vectors).toEqual([fakeVector('a', 32), fakeVector('b', 32), fakeVector('c', 32)]);
  });

  it('sends dimensions only when asked to, and then gets vectors of that size', async () => {
    const embedder = openaiEmbedder({ dimensions: 16, sendDimensions: true });
    expect(await embedder.dimensions()).toBe(16);
    expect(openai.calls()).toBe(0);
    const result = await embedder.embed(['hello']);
    expect(openai.requests[0]?.body.dimensions).toBe(16);
    expect(result.dimensions).toBe(16);
    expect(result.vectors[0]).toHaveLength(16);
  });

  it('uses the injected fetch', async () => {
    const seen: string[] = [];
    const embedder = vllmEmbedder({
      fetch: (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      },
    });
    await embedder.embed(['hello']);
    expect(seen).toEqual([`${VLLM}/embeddings`]);
  });

  it('decodes base64 embeddings', async () => {
    const floats = new Float32Array([0.5, -0.25, 1]);
    const base64 = Buffer.from(floats.buffer).toString('base64');
    vllm.replyNext({
      status: 200,
      body: {
        object: 'list',
        model: 'BAAI/bge-m3',
        data: [{ index: 0, object: 'embedding', embedding: base64 }],
        usage: { prompt_tokens: 2, total_tokens: 2 },
      },
    });
    const { vectors } = await vllmEmbedder().embed(['x']);
    expect(vectors).toEqual([[0.5, -0.25, 1]]);
  });
});

describe('createOpenAICompatibleEmbedder dimensions()', () => {
  it('probes once with a short input when not configured, then remembers', async () => {
    const embedder = vllmEmbedder();
    const [a, b] = await Promise.all([embedder.dimensions(), embedder.dimensions()]);
    expect(a).toBe(32);
    expect(b).toBe(32);
    expect(await embedder.dimensions()).toBe(32);
    expect(vllm.requests.map((r) => r.body.input)).toEqual([['dimension probe']]);
  });

  it('makes no call when dimensions are configured', async () => {
    expect(await vllmEmbedder({ dimensions: 32 }).dimensions()).toBe(32);
    expect(vllm.calls()).toBe(0);
  });

  it('throws EmbedderUnavailableError with a hint when the probe fails', async () => {
    vllm.replyNext({
      status: 404,
      body: vllmError(404, 'The model `nope` does not exist.', 'NotFoundError'),
    });
    const error = await vllmEmbedder({ model: 'nope' })
      .dimensions()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbedderUnavailableError);
    expect((error as Error).message).toContain('The model `nope` does not exist.');
    expect((error as Error).message).toMatch(/set dimensions in the config/);
    expect((error as Error).cause).toBeInstanceOf(EmbedderUpstreamError);
  });
});

describe('createOpenAICompatibleEmbedder retries', () => {
  it('retries a 429 after the Retry-After it was given', async () => {
    vllm.replyNext({
      status: 429,
      body: vllmError(429, 'Too many requests', 'TooManyRequests'),
      headers: { 'retry-after': '1' },
    });
    const started = Date.now();
    const result = await vllmEmbedder({ retryBaseDelayMs: 1 }).embed(['hello']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(result.vectors).toEqual([fakeVector('hello', 32)]);
    expect(vllm.calls()).toBe(2);
  });

  it("prefers OpenAI's retry-after-ms to the coarser retry-after", async () => {
    openai.replyNext({
      status: 429,
      body: openAIError('Rate limit reached for text-embedding-3-small', 'requests', 'rate_limit_exceeded'),
      headers: { 'retry-after-ms': '200', 'retry-after': '30' },
    });
    const started = Date.now();
    await openaiEmbedder().embed(['hello']);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(5_000);
    expect(openai.calls()).toBe(2);
  });

  it('retries 5xx, 408 and network errors, then succeeds', async () => {
    vllm.replyNext(
      { status: 503, body: vllmError(503, 'engine is busy', 'ServiceUnavailableError') },
      { status: 0, networkError: true },
      { status: 408, body: { error: 'timeout' } },
    );
    const result = await vllmEmbedder({ maxRetries: 3 }).embed(['hello']);
    expect(result.vectors).toHaveLength(1);
    expect(vllm.calls()).toBe(4);
  });

  it('gives up after maxRetries with a typed, retryable error naming the status and message', async () => {
    const fail = { status: 500, body: vllmError(500, 'CUDA out of memory', 'InternalServerError') };
    vllm.replyNext(fail, fail, fail);
    const error = await upstreamError(vllmEmbedder({ maxRetries: 2 }).embed(['hello']));
    expect(vllm.calls()).toBe(3);
    expect(error.status).toBe(500);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('500 InternalServerError: CUDA out of memory');
  });

  it('reports a network failure with no status once retries are spent', async () => {
    vllm.replyNext({ status: 0, networkError: true }, { status: 0, networkError: true });
    const error = await upstreamError(vllmEmbedder({ maxRetries: 1 }).embed(['hello']));
    expect(error.status).toBeUndefined();
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/could not be reached/);
    expect(vllm.calls()).toBe(2);
  });

  it('times out a request that takes too long', async () => {
    vllm.replyNext({ status: 200, delayMs: 2_000, body: {} });
    const error = await upstreamError(vllmEmbedder({ timeoutMs: 50, maxRetries: 0 }).embed(['hello']));
    expect(error.message).toMatch(/timed out after 50 ms/);
    expect(error.retryable).toBe(true);
  });

  it('stops at once with the reason when the caller aborts mid-request', async () => {
    vllm.replyNext({ status: 200, delayMs: 2_000, body: {} });
    const controller = new AbortController();
    const reason = new Error('client went away');
    setTimeout(() => controller.abort(reason), 20);
    await expect(vllmEmbedder().embed(['hello'], { signal: controller.signal })).rejects.toBe(reason);
    expect(vllm.calls()).toBe(1);
  });
});

describe('createOpenAICompatibleEmbedder errors', () => {
  it('does not retry a 400 and reads the vLLM >= 0.10.1 error shape', async () => {
    vllm.replyNext({
      status: 400,
      body: vllmError(
        400,
        "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.",
      ),
    });
    const error = await upstreamError(vllmEmbedder().embed(['a very long text']));
    expect(vllm.calls()).toBe(1);
    expect(error.status).toBe(400);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(
      "400 BadRequestError: This model's maximum context length is 8192 tokens",
    );
  });

  it('reads the flat vLLM <= 0.10.0 error shape', async () => {
    vllm.replyNext({
      status: 400,
      body: vllmLegacyError(400, 'The model `x` does not exist.', 'NotFoundError'),
    });
    const error = await upstreamError(vllmEmbedder().embed(['hello']));
    expect(error.message).toContain('400 NotFoundError: The model `x` does not exist.');
  });

  it("reads OpenAI's error shape, string code included", async () => {
    const error = await upstreamError(openaiEmbedder({ apiKey: 'sk-wrong' }).embed(['hello']));
    expect(error.status).toBe(401);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('401 invalid_request_error invalid_api_key: Incorrect API key provided');
  });

  it("reads vLLM's bare 401 body", async () => {
    const error = await upstreamError(vllmEmbedder({ apiKey: 'wrong' }).embed(['hello']));
    expect(error.status).toBe(401);
    expect(error.message).toContain('401: Unauthorized');
  });

  it('keeps a non-JSON error body as the message', async () => {
    vllm.replyNext({ status: 502, body: 'Bad Gateway' }, { status: 502, body: 'Bad Gateway' });
    const error = await upstreamError(vllmEmbedder({ maxRetries: 1 }).embed(['hello']));
    expect(error.message).toContain('502: Bad Gateway');
  });
});

describe('createOpenAICompatibleEmbedder response validation', () => {
  const reply = (data: unknown[], extra: Record<string, unknown> = {}) => ({
    status: 200,
    body: {
      object: 'list',
      model: 'BAAI/bge-m3',
      data,
      usage: { prompt_tokens: 1, total_tokens: 1 },
      ...extra,
    },
  });
  const item = (index: unknown, embedding: unknown) => ({ index, object: 'embedding', embedding });

  const cases: Array<[string, ReturnType<typeof reply> | { status: number; body: string }, RegExp]> = [
    ['fewer vectors than inputs', reply([item(0, [1, 0])]), /1 embeddings for 2 inputs/],
    ['a repeated index', reply([item(0, [1, 0]), item(0, [0, 1])]), /index 0 appears twice/],
    [
      'an index out of range',
      reply([item(0, [1, 0]), item(2, [0, 1])]),
      /index 2 is not an integer in 0\.\.1/,
    ],
    [
      'vectors of different sizes',
      reply([item(0, [1, 0]), item(1, [0, 1, 0])]),
      /embedding 1 has 3 dimensions/,
    ],
    ['a non-numeric vector', reply([item(0, [1, 0]), item(1, ['x', 1])]), /embedding 1 is not an array/],
    ['no data array', reply([], { data: undefined }), /no `data` array/],
  ];
  for (const [what, answer, message] of cases) {
    it(`rejects ${what} with a typed, non-retryable error`, async () => {
      vllm.replyNext(answer);
      const error = await upstreamError(vllmEmbedder().embed(['a', 'b']));
      expect(error.message).toMatch(message);
      expect(error.retryable).toBe(false);
      expect(vllm.calls()).toBe(1);
    });
  }

  it('rejects vectors whose size differs from the configured dimensions', async () => {
    const error = await upstreamError(vllmEmbedder({ dimensions: 1024 }).embed(['a']));
    expect(error.message).toMatch(/embeddings have 32 dimensions, expected 1024/);
  });

  it('rejects a model that changes dimension between calls', async () => {
    const embedder = vllmEmbedder();
    await embedder.embed(['a']);
    vllm.replyNext(reply([item(0, [1, 0, 0])]));
    const error = await upstreamError(embedder.embed(['b']));
    expect(error.message).toMatch(/embeddings have 3 dimensions, expected 32/);
  });
});
