import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ChatRequest, type ChatStreamPart, UpstreamError } from '../../ports/chat-model.js';
import { createOpenAIChatFake } from '../../testing/openai-chat-fake/openai-chat-fake.js';
import { createOpenAICompatibleChatModel } from './openai-compatible-chat-model.js';

const VLLM = 'http://vllm.adapter.test/v1';
const VLLM_OLD = 'http://vllm-old.adapter.test/v1';
const TRTLLM = 'http://trtllm.adapter.test/v1';
const OPENAI = 'http://openai.adapter.test/v1';
const vllm = createOpenAIChatFake({ baseURL: VLLM, flavour: 'vllm', loraAdapters: ['sql-lora'] });
const vllmOld = createOpenAIChatFake({ baseURL: VLLM_OLD, flavour: 'vllm', legacyErrors: true });
const trtllm = createOpenAIChatFake({ baseURL: TRTLLM, flavour: 'trtllm' });
const openai = createOpenAIChatFake({ baseURL: OPENAI, flavour: 'openai', apiKey: 'sk-test' });
const fakes = [vllm, vllmOld, trtllm, openai];
const server = setupServer(...fakes.flatMap((fake) => fake.handlers));
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  for (const fake of fakes) fake.reset();
});

const vllmModel = createOpenAICompatibleChatModel({
  id: 'vllm-1',
  kind: 'vllm',
  baseURL: VLLM,
  model: 'meta-llama/Llama-3.1-8B-Instruct',
});
const vllmOldModel = createOpenAICompatibleChatModel({
  id: 'vllm-old',
  kind: 'vllm',
  baseURL: VLLM_OLD,
  model: 'meta-llama/Llama-3.1-8B-Instruct',
});
const trtllmModel = createOpenAICompatibleChatModel({
  id: 'trt-1',
  kind: 'trtllm',
  baseURL: TRTLLM,
  model: 'Llama-3.1-8B-Instruct',
});
const openaiModel = createOpenAICompatibleChatModel({
  id: 'openai',
  kind: 'openai-compatible',
  baseURL: OPENAI,
  model: 'gpt-4o-mini',
  apiKey: 'sk-test',
  headers: { 'openai-organization': 'org-123' },
});

const signal = () => new AbortController().signal;
const ask = (model: string, extra: Record<string, unknown> = {}): ChatRequest => ({
  model,
  messages: [{ role: 'user', content: 'What is Qdrant?' }],
  ...extra,
});

/** vllm-samples.md §3c: a request with vLLM extras. */
const VLLM_EXTRAS = {
  max_completion_tokens: 256,
  temperature: 0.2,
  top_p: 0.9,
  top_k: 40,
  min_p: 0.05,
  repetition_penalty: 1.05,
  stop_token_ids: [128009],
  skip_special_tokens: true,
  structured_outputs: { json: { type: 'object', properties: { answer: { type: 'string' } } } },
  guided_json: { type: 'object' },
  priority: 0,
  chat_template_kwargs: { enable_thinking: false },
};

async function collect(iterable: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const parts: ChatStreamPart[] = [];
  for await (const part of iterable) parts.push(part);
  return parts;
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

async function streamFailure(model: typeof vllmModel, request: ChatRequest) {
  const seen: ChatStreamPart[] = [];
  const error = await failure(
    (async () => {
      for await (const part of await model.stream(request, { signal: signal() })) seen.push(part);
    })(),
  );
  return { error, seen };
}

describe('field policy per target kind', () => {
  it('passes vLLM sampling extras through to vLLM', async () => {
    await vllmModel.generate(ask('meta-llama/Llama-3.1-8B-Instruct', VLLM_EXTRAS), { signal: signal() });
    expect(vllm.requests[0]?.body).toEqual({
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      messages: [{ role: 'user', content: 'What is Qdrant?' }],
      ...VLLM_EXTRAS,
    });
  });

  it('sends trtllm-serve only the fields it accepts, so its strict validation passes', async () => {
    const request = ask('Llama-3.1-8B-Instruct', { ...VLLM_EXTRAS, metadata: { a: 'b' }, store: false });
    const result = await trtllmModel.generate(request, { signal: signal() });
    expect(result.completion.choices[0]?.message.content).toBe('You asked: What is Qdrant?');
    const sent = trtllm.requests[0]?.body ?? {};
    expect(Object.keys(sent).sort()).toEqual(
      [
        'model',
        'messages',
        'max_completion_tokens',
        'temperature',
        'top_p',
        'top_k',
        'min_p',
        'repetition_penalty',
        'stop_token_ids',
        'skip_special_tokens',
        'priority',
        'chat_template_kwargs',
      ].sort(),
    );
    expect(trtllm.invalidRequests).toEqual([]);
  });

  it('strips trtllm-unknown stream_options too', async () => {
    const request = ask('Llama-3.1-8B-Instruct', {
      stream_options: { include_usage: false, include_obfuscation: true },
    });
    const parts = await collect(await trtllmModel.stream(request, { signal: signal() }));
    expect(parts.some((p) => p.type === 'usage')).toBe(true);
    expect(trtllm.requests[0]?.body.stream_options).toEqual({ include_usage: true });
  });

  it('strips vLLM-only fields for other OpenAI-compatible APIs, which reject unknown arguments', async () => {
    const request = ask('gpt-4o-mini', { ...VLLM_EXTRAS, priority: undefined, service_tier: 'default' });
    const result = await openaiModel.generate(request, { signal: signal() });
    expect(result.usage).toEqual({
      inputTokens: 10,
      outputTokens: 5,
      cachedInputTokens: 0,
      reasoningTokens: 0,
    });
    expect(openai.requests[0]?.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'What is Qdrant?' }],
      max_completion_tokens: 256,
      temperature: 0.2,
      top_p: 0.9,
      service_tier: 'default',
    });
    expect(openai.requests[0]?.headers.get('authorization')).toBe('Bearer sk-test');
    expect(openai.requests[0]?.headers.get('openai-organization')).toBe('org-123');
  });

  it('does not let the client choose stream mode: generate never streams', async () => {
    await vllmModel.generate(ask('meta-llama/Llama-3.1-8B-Instruct', { stream: true, stream_options: {} }), {
      signal: signal(),
    });
    expect(vllm.requests[0]?.body).not.toHaveProperty('stream');
    expect(vllm.requests[0]?.body).not.toHaveProperty('stream_options');
  });

  it('falls back to the configured model when the request names none', async () => {
    await vllmModel.generate(ask(''), { signal: signal() });
    expect(vllm.requests[0]?.body.model).toBe('meta-llama/Llama-3.1-8B-Instruct');
  });

  it('sends a LoRA adapter name as the model', async () => {
    const result = await vllmModel.generate(ask('sql-lora'), { signal: signal() });
    expect(result.completion.choices[0]?.message.content).toBe('(sql-lora) You asked: What is Qdrant?');
  });
});

describe('streaming', () => {
  it('requests include_usage and yields chunks with their raw JSON, then one usage part', async () => {
    const parts = await collect(
      await vllmModel.stream(ask('meta-llama/Llama-3.1-8B-Instruct'), { signal: signal() }),
    );
    expect(vllm.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(vllm.requests[0]?.headers.get('accept')).toBe('text/event-stream');
    const chunks = parts.filter((p) => p.type === 'chunk');
    expect(chunks[0]?.chunk.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    for (const part of chunks) expect(JSON.parse(part.raw ?? '')).toEqual(part.chunk);
    expect(chunks.at(-1)?.chunk.choices[0]).toMatchObject({ finish_reason: 'stop', stop_reason: null });
    const usage = parts.at(-1);
    expect(usage?.type).toBe('usage');
    if (usage?.type !== 'usage') return;
    expect(usage.usage).toEqual({
      inputTokens: 10,
      outputTokens: 5,
      cachedInputTokens: 0,
      reasoningTokens: 0,
    });
    expect(JSON.parse(usage.raw ?? '')).toMatchObject({ choices: [], usage: { prompt_tokens: 10 } });
    expect(vllm.abortedRequests()).toBe(0);
  });

  it('does not ask for usage when the caller does not want it', async () => {
    const parts = await collect(
      await vllmModel.stream(ask('meta-llama/Llama-3.1-8B-Instruct'), {
        signal: signal(),
        includeUsage: false,
      }),
    );
    expect(vllm.requests[0]?.body).not.toHaveProperty('stream_options');
    expect(parts.every((p) => p.type === 'chunk')).toBe(true);
  });

  it('says include_usage: false outright when other stream options are sent (vLLM defaults it to true)', async () => {
    const request = ask('meta-llama/Llama-3.1-8B-Instruct', {
      stream_options: { continuous_usage_stats: true },
    });
    const parts = await collect(await vllmModel.stream(request, { signal: signal(), includeUsage: false }));
    expect(vllm.requests[0]?.body.stream_options).toEqual({
      continuous_usage_stats: true,
      include_usage: false,
    });
    expect(parts.filter((p) => p.type === 'usage')).toEqual([]);
  });

  it('keeps per-chunk usage (continuous_usage_stats) on chunks and yields one usage part', async () => {
    const request = ask('meta-llama/Llama-3.1-8B-Instruct', {
      stream_options: { continuous_usage_stats: true },
    });
    const parts = await collect(await vllmModel.stream(request, { signal: signal() }));
    const chunks = parts.filter((p) => p.type === 'chunk');
    expect(chunks.every((p) => p.chunk.usage && typeof p.chunk.usage.prompt_tokens === 'number')).toBe(true);
    expect(parts.filter((p) => p.type === 'usage')).toHaveLength(1);
  });

  it('never sends stream_options to an API configured without stream usage', async () => {
    const model = createOpenAICompatibleChatModel({
      id: 'plain',
      kind: 'openai-compatible',
      baseURL: OPENAI,
      model: 'gpt-4o-mini',
      apiKey: 'sk-test',
      streamUsage: false,
    });
    const parts = await collect(await model.stream(ask('gpt-4o-mini'), { signal: signal() }));
    expect(openai.requests[0]?.body).not.toHaveProperty('stream_options');
    expect(parts.filter((p) => p.type === 'usage')).toEqual([]);
  });

  it('reads OpenAI usage chunks (usage: null on the others)', async () => {
    const parts = await collect(await openaiModel.stream(ask('gpt-4o-mini'), { signal: signal() }));
    const chunks = parts.filter((p) => p.type === 'chunk');
    expect(chunks.every((p) => p.chunk.usage === null)).toBe(true);
    expect(parts.at(-1)).toMatchObject({ type: 'usage', usage: { inputTokens: 10, outputTokens: 5 } });
  });

  it('resolves once the headers arrive, before the first chunk', async () => {
    vllm.fault({ type: 'stall-before-first-chunk', ms: 400 });
    const started = performance.now();
    const iterable = await vllmModel.stream(ask('meta-llama/Llama-3.1-8B-Instruct'), { signal: signal() });
    expect(performance.now() - started).toBeLessThan(300);
    const parts = await collect(iterable);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    expect(parts.length).toBeGreaterThan(3);
  });

  it('throws "protocol" on a malformed chunk, after the chunks before it', async () => {
    vllm.fault({ type: 'malformed-after', chunks: 2 });
    const { error, seen } = await streamFailure(vllmModel, ask('meta-llama/Llama-3.1-8B-Instruct'));
    expect(error.details).toMatchObject({ kind: 'protocol', target: 'vllm-1' });
    expect(error.message).toContain('malformed stream frame');
    expect(seen).toHaveLength(2);
  });

  it('throws "stream-error" with the status and type from a vLLM error frame', async () => {
    vllm.fault({ type: 'error-frame-after', chunks: 3, message: 'CUDA out of memory' });
    const { error, seen } = await streamFailure(vllmModel, ask('meta-llama/Llama-3.1-8B-Instruct'));
    expect(error.details).toEqual({
      kind: 'stream-error',
      target: 'vllm-1',
      status: 500,
      code: 'InternalServerError',
    });
    expect(error.message).toContain('CUDA out of memory');
    expect(seen).toHaveLength(3);
  });

  it('throws "stream-error" on an OpenAI error frame', async () => {
    openai.fault({ type: 'error-frame-after', chunks: 1 });
    const { error } = await streamFailure(openaiModel, ask('gpt-4o-mini'));
    expect(error.details).toMatchObject({ kind: 'stream-error', code: 'server_error' });
  });

  it('throws "protocol" when the stream is cut inside a frame, and accepts a [DONE] without its blank line', async () => {
    const chunk =
      '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}';
    const answering = (text: string) =>
      createOpenAICompatibleChatModel({
        id: 'scripted',
        kind: 'vllm',
        baseURL: 'http://scripted.test/v1',
        model: 'm',
        fetch: async () => new Response(text, { headers: { 'content-type': 'text/event-stream' } }),
      });
    const cut = await streamFailure(answering(`data: ${chunk}\n\ndata: {"id":"c","obj`), ask('m'));
    expect(cut.error.details.kind).toBe('protocol');
    expect(cut.error.message).toContain('cut inside a frame');
    expect(cut.seen).toHaveLength(1);
    const parts = await collect(
      await answering(`data: ${chunk}\r\n\r\ndata: [DONE]`).stream(ask('m'), { signal: signal() }),
    );
    expect(parts).toHaveLength(1);
  });

  it('throws "protocol" when the connection breaks mid-stream', async () => {
    const encoder = new TextEncoder();
    let pulls = 0;
    const model = createOpenAICompatibleChatModel({
      id: 'reset',
      kind: 'vllm',
      baseURL: 'http://reset.test/v1',
      model: 'm',
      fetch: async () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              if (pulls++ === 0) {
                controller.enqueue(
                  encoder.encode('data: {"id":"c","object":"chat.completion.chunk","choices":[]}\n\n'),
                );
              } else controller.error(new TypeError('terminated', { cause: new Error('ECONNRESET') }));
            },
          }),
        ),
    });
    const { error, seen } = await streamFailure(model, ask('m'));
    expect(error.details.kind).toBe('protocol');
    expect(error.message).toContain('ECONNRESET');
    expect(seen).toHaveLength(1);
  });

  it('throws "protocol" on a frame that is JSON but not a chunk', async () => {
    const model = createOpenAICompatibleChatModel({
      id: 'odd',
      kind: 'vllm',
      baseURL: 'http://odd.test/v1',
      model: 'm',
      fetch: async () => new Response('data: {"hello":"world"}\n\ndata: [DONE]\n\n'),
    });
    const { error } = await streamFailure(model, ask('m'));
    expect(error.details.kind).toBe('protocol');
  });

  it('hands the caller signal to fetch, so an abort reaches the upstream', async () => {
    const seen: Array<AbortSignal | null | undefined> = [];
    const model = createOpenAICompatibleChatModel({
      id: 'vllm-1',
      kind: 'vllm',
      baseURL: VLLM,
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      fetch: (input, init) => {
        seen.push(init?.signal);
        return fetch(input, init);
      },
    });
    const controller = new AbortController();
    await model.generate(ask('meta-llama/Llama-3.1-8B-Instruct'), { signal: controller.signal });
    await collect(await model.stream(ask('meta-llama/Llama-3.1-8B-Instruct'), { signal: controller.signal }));
    expect(seen).toEqual([controller.signal, controller.signal]);
  });
});

describe('HTTP errors, in every shape', () => {
  it('reads the vLLM >= 0.10.1 nested error', async () => {
    const error = await failure(vllmModel.generate(ask('gpt-4'), { signal: signal() }));
    expect(error.details).toEqual({ kind: 'http', target: 'vllm-1', status: 404, code: 'NotFoundError' });
    expect(error.message).toContain('The model `gpt-4` does not exist.');
  });

  it('reads the vLLM <= 0.10.0 flat error', async () => {
    const error = await failure(vllmOldModel.stream(ask('gpt-4'), { signal: signal() }));
    expect(error.details).toEqual({ kind: 'http', target: 'vllm-old', status: 404, code: 'NotFoundError' });
    expect(error.message).toContain('The model `gpt-4` does not exist.');
  });

  it('reads the trtllm validation error, whose error is a string', async () => {
    const error = await failure(
      trtllmModel.generate(ask('Llama-3.1-8B-Instruct', { temperature: 'hot' }), { signal: signal() }),
    );
    expect(error.details).toEqual({ kind: 'http', target: 'trt-1', status: 400 });
    expect(error.message).toContain('/temperature must be number');
  });

  it('reads the trtllm flat error', async () => {
    trtllm.fault({ type: 'status', status: 503 });
    const error = await failure(trtllmModel.generate(ask('Llama-3.1-8B-Instruct'), { signal: signal() }));
    expect(error.details).toEqual({
      kind: 'http',
      target: 'trt-1',
      status: 503,
      code: 'ServiceUnavailableError',
    });
  });

  it('reads OpenAI errors with their string code, and retry-after-ms', async () => {
    openai.fault({ type: 'status', status: 429, headers: { 'retry-after-ms': '1500', 'retry-after': '2' } });
    const error = await failure(openaiModel.generate(ask('gpt-4o-mini'), { signal: signal() }));
    expect(error.details).toEqual({
      kind: 'http',
      target: 'openai',
      status: 429,
      retryAfterMs: 1500,
      code: 'rate_limit_exceeded',
    });
    const wrongKey = createOpenAICompatibleChatModel({
      id: 'k',
      kind: 'openai-compatible',
      baseURL: OPENAI,
      model: 'gpt-4o-mini',
      apiKey: 'nope',
    });
    const auth = await failure(wrongKey.generate(ask('gpt-4o-mini'), { signal: signal() }));
    expect(auth.details).toMatchObject({ status: 401, code: 'invalid_api_key' });
  });

  it('reads a Retry-After HTTP date', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    vllm.fault({ type: 'status', status: 503, headers: { 'retry-after': at } });
    const error = await failure(
      vllmModel.stream(ask('meta-llama/Llama-3.1-8B-Instruct'), { signal: signal() }),
    );
    expect(error.details.retryAfterMs).toBeGreaterThan(27_000);
    expect(error.details.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('reads a proxy HTML page', async () => {
    vllm.fault({
      type: 'status',
      status: 502,
      body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>',
    });
    const error = await failure(
      vllmModel.generate(ask('meta-llama/Llama-3.1-8B-Instruct'), { signal: signal() }),
    );
    expect(error.details).toEqual({ kind: 'http', target: 'vllm-1', status: 502 });
    expect(error.message).toBe('vllm-1 answered HTTP 502: 502 Bad Gateway');
  });

  it('reports an error object in a 200 response as "stream-error"', async () => {
    const model = createOpenAICompatibleChatModel({
      id: 'odd',
      kind: 'vllm',
      baseURL: 'http://odd.test/v1',
      model: 'm',
      fetch: async () =>
        Response.json({ error: { message: 'engine dead', type: 'InternalServerError', code: 500 } }),
    });
    const error = await failure(model.generate(ask('m'), { signal: signal() }));
    expect(error.details).toMatchObject({ kind: 'stream-error', status: 500, code: 'InternalServerError' });
  });

  it('reports a 200 body that is not a completion as "protocol"', async () => {
    const model = createOpenAICompatibleChatModel({
      id: 'odd',
      kind: 'vllm',
      baseURL: 'http://odd.test/v1',
      model: 'm',
      fetch: async () => new Response('<html>hello</html>'),
    });
    const error = await failure(model.generate(ask('m'), { signal: signal() }));
    expect(error.details.kind).toBe('protocol');
  });
});
