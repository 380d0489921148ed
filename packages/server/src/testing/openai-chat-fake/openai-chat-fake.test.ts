import { existsSync, readFileSync } from 'node:fs';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIChatFake } from './openai-chat-fake.js';

const spec = new URL('../../../../../../shared/specs/openai-openapi-subset.json', import.meta.url);
const vllm = createOpenAIChatFake({
  baseURL: 'http://vllm.fake.test/v1',
  flavour: 'vllm',
  loraAdapters: ['sql-lora'],
});
const trtllm = createOpenAIChatFake({ baseURL: 'http://trtllm.fake.test/v1', flavour: 'trtllm' });
const openai = createOpenAIChatFake({ baseURL: 'http://openai.fake.test/v1', flavour: 'openai' });
const server = setupServer(...vllm.handlers, ...trtllm.handlers, ...openai.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  vllm.reset();
  trtllm.reset();
  openai.reset();
});

const post = (host: string, body: unknown, init: RequestInit = {}) =>
  fetch(`http://${host}.fake.test/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...init,
  });
const chat = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: 'user', content: 'Hi there' }],
  ...extra,
});
const VLLM_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

/** The `data:` payloads of an SSE body, checking the framing on the way. */
async function frames(response: Response): Promise<string[]> {
  const text = await response.text();
  expect(text.endsWith('\n\n')).toBe(true);
  const blocks = text.slice(0, -2).split('\n\n');
  for (const block of blocks) expect(block).toMatch(/^data: [^\n]+$/);
  return blocks.map((block) => block.slice('data: '.length));
}

describe('request validation', () => {
  it.skipIf(!existsSync(spec))('uses a verbatim copy of the spec schemas', () => {
    const subset = JSON.parse(readFileSync(spec, 'utf8'));
    const copy = JSON.parse(
      readFileSync(new URL('./create-chat-completion-request.schema.json', import.meta.url), 'utf8'),
    );
    expect(Object.keys(copy.components.schemas)).toContain('CreateChatCompletionRequest');
    for (const [name, schema] of Object.entries(copy.components.schemas)) {
      expect(schema, name).toEqual(subset.components.schemas[name]);
    }
  });

  it('rejects bodies that break CreateChatCompletionRequest, in each flavour`s error shape', async () => {
    const bad = { model: VLLM_MODEL, messages: [] };
    const fromVllm = await post('vllm', bad);
    expect(fromVllm.status).toBe(400);
    expect(await fromVllm.json()).toMatchObject({ error: { type: 'Bad Request', code: 400 } });
    const fromTrtllm = await post('trtllm', { ...bad, model: 'x' });
    expect(fromTrtllm.status).toBe(400);
    expect(typeof (await fromTrtllm.json()).error).toBe('string');
    const fromOpenAI = await post('openai', { ...bad, model: 'gpt-4o-mini' });
    expect(fromOpenAI.status).toBe(400);
    expect(await fromOpenAI.json()).toMatchObject({ error: { type: 'invalid_request_error', code: null } });
    expect(vllm.invalidRequests).toHaveLength(1);
  });

  it('lets vLLM take its extras, but trtllm and OpenAI reject unknown fields', async () => {
    const extras = { top_k: 40, min_p: 0.05, structured_outputs: { json: {} } };
    expect((await post('vllm', chat(VLLM_MODEL, extras))).status).toBe(200);

    const fromTrtllm = await post('trtllm', chat('x', { top_k: 40, structured_outputs: { json: {} } }));
    expect(fromTrtllm.status).toBe(400);
    const { error } = await fromTrtllm.json();
    expect(error).toBe(
      '1 validation error for ChatCompletionRequest\nstructured_outputs\n  Extra inputs are not permitted [type=extra_forbidden, input_value={"json":{}}, input_type=dict]',
    );
    const streamOptions = await post(
      'trtllm',
      chat('x', { stream: true, stream_options: { include_obfuscation: true } }),
    );
    expect(streamOptions.status).toBe(400);

    const fromOpenAI = await post('openai', chat('gpt-4o-mini', { top_k: 40 }));
    expect(fromOpenAI.status).toBe(400);
    expect((await fromOpenAI.json()).error.message).toBe('Unrecognized request argument supplied: top_k');
  });

  it('answers an unknown model with 404 (vLLM, OpenAI)', async () => {
    const response = await post('vllm', chat('gpt-4'));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { message: 'The model `gpt-4` does not exist.', type: 'NotFoundError', param: null, code: 404 },
    });
  });
});

describe('answers', () => {
  it('answers vLLM non-streaming requests in the sample shape', async () => {
    const body = await (await post('vllm', chat(VLLM_MODEL, { max_tokens: 3 }))).json();
    expect(body.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(body).toEqual({
      id: body.id,
      object: 'chat.completion',
      created: body.created,
      model: VLLM_MODEL,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', reasoning_content: null, content: 'You asked: Hi', tool_calls: [] },
          logprobs: null,
          finish_reason: 'length',
          stop_reason: null,
        },
      ],
      usage: { prompt_tokens: 9, total_tokens: 12, completion_tokens: 3, prompt_tokens_details: null },
      prompt_logprobs: null,
    });
  });

  it('streams vLLM frames: role chunk, content chunks without usage, finish, usage chunk, [DONE]', async () => {
    const response = await post(
      'vllm',
      chat(VLLM_MODEL, { stream: true, stream_options: { include_usage: true } }),
    );
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const data = await frames(response);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks[0].choices[0]).toEqual({
      index: 0,
      delta: { role: 'assistant', content: '' },
      logprobs: null,
      finish_reason: null,
    });
    expect(chunks.slice(1, -2).map((c) => c.choices[0].delta.content)).toEqual([
      'You',
      ' asked:',
      ' Hi',
      ' there',
    ]);
    for (const chunk of chunks.slice(0, -1)) expect(chunk).not.toHaveProperty('usage');
    expect(chunks.at(-2).choices[0]).toEqual({
      index: 0,
      delta: { content: '' },
      logprobs: null,
      finish_reason: 'stop',
      stop_reason: null,
    });
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 9, total_tokens: 13, completion_tokens: 4 },
    });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it('streams OpenAI frames with usage: null until the usage chunk', async () => {
    const response = await post(
      'openai',
      chat('gpt-4o-mini', { stream: true, stream_options: { include_usage: true } }),
    );
    const chunks = (await frames(response)).slice(0, -1).map((d) => JSON.parse(d));
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.usage).toBeNull();
      expect(chunk.system_fingerprint).toBe('fp_44709d6fcb');
    }
    expect(chunks.at(-2).choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
    expect(chunks.at(-1).usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
  });

  it('sends no usage chunk unless asked (OpenAI), but vLLM defaults include_usage once stream_options exists', async () => {
    const plain = (await frames(await post('openai', chat('gpt-4o-mini', { stream: true })))).slice(0, -1);
    expect(JSON.parse(plain.at(-1) as string).choices).toHaveLength(1);
    const vllmDefault = await frames(
      await post('vllm', chat(VLLM_MODEL, { stream: true, stream_options: {} })),
    );
    expect(JSON.parse(vllmDefault.at(-2) as string).choices).toEqual([]);
  });
});

describe('models and metrics', () => {
  it('lists vLLM models with LoRA adapters and their parent', async () => {
    const body = await (await fetch('http://vllm.fake.test/v1/models')).json();
    expect(
      body.data.map((m: { id: string; parent: string | null; root: string }) => [m.id, m.parent, m.root]),
    ).toEqual([
      [VLLM_MODEL, null, VLLM_MODEL],
      ['sql-lora', VLLM_MODEL, '/adapters/sql-lora'],
    ]);
    expect(body.data[1]).toMatchObject({ owned_by: 'vllm', max_model_len: null });
    vllm.state.loraAdapters.push('chat-lora');
    const again = await (await fetch('http://vllm.fake.test/v1/models')).json();
    expect(again.data).toHaveLength(3);
  });

  it('lists trtllm models as plain cards', async () => {
    const body = await (await fetch('http://trtllm.fake.test/v1/models')).json();
    expect(body).toEqual({
      object: 'list',
      data: [{ id: 'Llama-3.1-8B-Instruct', object: 'model', created: 1731295402, owned_by: 'tensorrt_llm' }],
    });
  });

  it('serves vLLM Prometheus metrics from the settable state', async () => {
    Object.assign(vllm.state, { running: 3, waiting: 7, kvCacheUsage: 0.875 });
    const response = await fetch('http://vllm.fake.test/metrics');
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    const labels = `{engine="0",model_name="${VLLM_MODEL}"}`;
    expect(text).toContain(`vllm:num_requests_running${labels} 3.0\n`);
    expect(text).toContain(`vllm:num_requests_waiting${labels} 7.0\n`);
    expect(text).toContain(`vllm:kv_cache_usage_perc${labels} 0.875\n`);
    Object.assign(vllm.state, { running: 0, waiting: 0, kvCacheUsage: 0 });
  });

  it('serves trtllm JSON iteration stats from the settable state', async () => {
    Object.assign(trtllm.state, { running: 2, waiting: 5, kvCacheUsage: 0.5 });
    const [stats] = await (await fetch('http://trtllm.fake.test/metrics')).json();
    expect(stats).toMatchObject({ numActiveRequests: 2, numQueuedRequests: 5 });
    expect(stats.kvCacheStats.usedNumBlocks / stats.kvCacheStats.maxNumBlocks).toBe(0.5);
  });
});

describe('faults', () => {
  it('answers the queued status with headers, then behaves again', async () => {
    vllm.fault({ type: 'status', status: 429, headers: { 'retry-after': '3' } });
    const limited = await post('vllm', chat(VLLM_MODEL));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.json()).toMatchObject({ error: { code: 429 } });
    expect((await post('vllm', chat(VLLM_MODEL))).status).toBe(200);
  });

  it('refuses the connection', async () => {
    vllm.fault({ type: 'refuse' });
    await expect(post('vllm', chat(VLLM_MODEL))).rejects.toThrow(TypeError);
  });

  it('hangs without headers until the request is aborted, and records the abort', async () => {
    vllm.fault({ type: 'hang' });
    const controller = new AbortController();
    const pending = post('vllm', chat(VLLM_MODEL), { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(vllm.abortedRequests()).toBe(0);
    controller.abort();
    await expect(pending).rejects.toThrow();
    expect(vllm.abortedRequests()).toBe(1);
    expect(vllm.requests[0]?.aborted).toBe(true);
  });

  it('cuts a stream after K frames without [DONE]', async () => {
    vllm.fault({ type: 'cut-after', chunks: 2 });
    const data = await frames(await post('vllm', chat(VLLM_MODEL, { stream: true })));
    expect(data).toHaveLength(2);
    expect(data).not.toContain('[DONE]');
  });

  it('sends an error frame, then [DONE], inside a 200 stream', async () => {
    vllm.fault({ type: 'error-frame-after', chunks: 1, message: 'boom' });
    const response = await post('vllm', chat(VLLM_MODEL, { stream: true }));
    expect(response.status).toBe(200);
    const data = await frames(response);
    expect(data.slice(1)).toEqual([
      JSON.stringify({ error: { message: 'boom', type: 'InternalServerError', param: null, code: 500 } }),
      '[DONE]',
    ]);
  });

  it('stalls after K frames and paces frames slowly', async () => {
    vllm.fault({ type: 'stall-after', chunks: 1, ms: 150 }, { type: 'slow', tokenDelayMs: 20 });
    let started = performance.now();
    await frames(await post('vllm', chat(VLLM_MODEL, { stream: true })));
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    started = performance.now();
    const data = await frames(await post('vllm', chat(VLLM_MODEL, { stream: true })));
    // 6 frames before [DONE]: 5 gaps of 20 ms.
    expect(data).toHaveLength(7);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('records a stream abandoned mid-way', async () => {
    vllm.fault({ type: 'stall-after', chunks: 2 });
    const controller = new AbortController();
    const response = await post('vllm', chat(VLLM_MODEL, { stream: true }), { signal: controller.signal });
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    void reader?.cancel().catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(vllm.abortedRequests()).toBe(1);
  });
});
