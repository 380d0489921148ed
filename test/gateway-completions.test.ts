import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RouteConfig } from '../packages/server/src/services/gateway/gateway-config.js';
import {
  createUpstreams,
  eventually,
  type GatewayServer,
  gatewayConfig,
  startGatewayServer,
} from './gateway-harness.js';

const upstreams = createUpstreams();
let server: GatewayServer;

const single = (name: string, ref: string): RouteConfig => ({ name, strategy: 'single', targets: [{ ref }] });
const TIMEOUTS = { connectMs: 250, firstTokenMs: 400, idleMs: 300, totalMs: 5_000 };
const ROUTES: RouteConfig[] = [
  single('llama', 'vllm-1'),
  single('llama-trt', 'trtllm'),
  single('gpt', 'openai'),
  single('llama-triton', 'triton'),
  single('haiku', 'bedrock'),
  {
    name: 'failover',
    strategy: 'fallback',
    targets: [{ ref: 'vllm-1' }, { ref: 'openai' }],
    timeouts: TIMEOUTS,
    retry: { attempts: 0, maxRetryAfterMs: 0 },
  },
];

beforeAll(async () => {
  upstreams.msw.listen({ onUnhandledRequest: 'bypass' });
  server = await startGatewayServer();
});
afterEach(() => {
  expect(upstreams.vllm1.invalidRequests).toEqual([]);
  expect(upstreams.trtllm.invalidRequests).toEqual([]);
  expect(upstreams.openai.invalidRequests).toEqual([]);
  expect(upstreams.bedrock.rejected).toEqual([]);
  upstreams.reset();
});
afterAll(async () => {
  upstreams.msw.close();
  await server?.close();
});

const PROMPT = 'The sky is blue because';

async function collect(stream: AsyncIterable<OpenAI.Completions.Completion>) {
  let text = '';
  const chunks: OpenAI.Completions.Completion[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    text += chunk.choices[0]?.text ?? '';
  }
  return { text, chunks };
}

describe('POST /v1/completions through the official client, to every target kind', () => {
  it.each([
    ['llama', 'vllm-1', `You prompted: ${PROMPT}`],
    ['llama-trt', 'trtllm', `You prompted: ${PROMPT}`],
    ['gpt', 'openai', `You prompted: ${PROMPT}`],
    ['haiku', 'bedrock', `You said: ${PROMPT}`],
  ])('%s (%s): non-streaming and streaming give the same text', async (model, target, expected) => {
    server.useGateway(gatewayConfig(ROUTES));
    const client = server.client();
    const { data, response } = await client.completions
      .create({ model, prompt: PROMPT, max_tokens: 32 })
      .withResponse();
    expect(data.object).toBe('text_completion');
    expect(data.choices[0]?.text).toBe(expected);
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-ragline-target')).toBe(target);
    expect(Number(response.headers.get('x-ragline-overhead-ms'))).toBeGreaterThanOrEqual(0);

    const { data: stream, response: streamed } = await client.completions
      .create({ model, prompt: PROMPT, max_tokens: 32, stream: true })
      .withResponse();
    expect(streamed.headers.get('x-ragline-target')).toBe(target);
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(Number(streamed.headers.get('x-ragline-overhead-ms'))).toBeGreaterThanOrEqual(0);
    const { text, chunks } = await collect(stream);
    expect(text).toBe(expected);
    expect(chunks.every((chunk) => chunk.object === 'text_completion')).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });

  it('reaches vLLM`s /v1/completions (not chat) with the prompt untouched', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    await server.client().completions.create({ model: 'llama', prompt: PROMPT, max_tokens: 8 });
    expect(upstreams.vllm1.requests.map((r) => [r.endpoint, r.body.prompt, r.body.model])).toEqual([
      ['completions', PROMPT, 'meta-llama/Llama-3.1-8B-Instruct'],
    ]);
  });

  it('llama-triton (triton): sends the prompt itself as text_input, streamed and not', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    const client = server.client();
    const completion = await client.completions.create({
      model: 'llama-triton',
      prompt: PROMPT,
      max_tokens: 8,
    });
    const text = completion.choices[0]?.text ?? '';
    expect(text.length).toBeGreaterThan(0);
    const streamed = await collect(
      await client.completions.create({ model: 'llama-triton', prompt: PROMPT, max_tokens: 8, stream: true }),
    );
    expect(streamed.text).toBe(text);
    expect(upstreams.triton.requests.map((r) => [r.stream, r.body.text_input])).toEqual([
      [false, PROMPT],
      [true, PROMPT],
    ]);
  });

  it('forwards each upstream chunk verbatim and ends with [DONE]', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    const response = await server.fetch('/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'llama', prompt: 'Hi there', stream: true }),
    });
    const frames = (await response.text()).split('\n\n').filter(Boolean);
    expect(frames.at(-1)).toBe('data: [DONE]');
    const texts = frames.slice(0, -1).map((frame) => JSON.parse(frame.slice('data: '.length)));
    expect(texts.map((chunk) => chunk.choices[0].text)).toEqual(['You', ' prompted:', ' Hi', ' there']);
    expect(texts[0].id).toMatch(/^cmpl-[0-9a-f]{32}$/);
    expect(texts[0]).toHaveProperty('choices.0.stop_reason', null);
  });

  it.each([
    ['llama', 'vllm-1'],
    ['gpt', 'openai'],
    ['haiku', 'bedrock'],
  ])('%s: forwards the usage chunk only when the client asks, but always asks upstream', async (model) => {
    server.useGateway(gatewayConfig(ROUTES));
    const client = server.client();
    const withUsage = await collect(
      await client.completions.create({
        model,
        prompt: PROMPT,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const last = withUsage.chunks.at(-1);
    expect(last?.object).toBe('text_completion');
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(last?.usage?.total_tokens).toBe(
      (last?.usage?.prompt_tokens ?? 0) + (last?.usage?.completion_tokens ?? 0),
    );

    const without = await collect(await client.completions.create({ model, prompt: PROMPT, stream: true }));
    expect(without.chunks.some((chunk) => chunk.usage)).toBe(false);
    if (model === 'llama') {
      expect(upstreams.vllm1.requests.map((r) => r.body.stream_options)).toEqual([
        { include_usage: true },
        { include_usage: true },
      ]);
    }
  });

  it('passes batches and token prompts to OpenAI-compatible targets', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    const completion = await server
      .client()
      .completions.create({ model: 'llama', prompt: ['first', 'second'], max_tokens: 8 });
    expect(completion.choices.map((c) => [c.index, c.text])).toEqual([
      [0, 'You prompted: first'],
      [1, 'You prompted: second'],
    ]);
    const tokens = await server.client().completions.create({ model: 'llama', prompt: [128000, 9906] });
    expect(tokens.choices[0]?.text).toBe('You prompted: 2 token ids');
  });

  it('keeps vLLM extras for vLLM and strips what trtllm-serve and OpenAI would reject', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    const extras = { top_k: 20, min_p: 0.05, structured_outputs: { choice: ['a', 'b'] } };
    for (const model of ['llama', 'llama-trt', 'gpt']) {
      const completion = await server.client().completions.create({
        model,
        prompt: PROMPT,
        ...extras,
      } as OpenAI.CompletionCreateParamsNonStreaming);
      expect(completion.choices[0]?.text).toBe(`You prompted: ${PROMPT}`);
    }
    expect(upstreams.vllm1.requests[0]?.body).toMatchObject(extras);
    expect(upstreams.trtllm.requests[0]?.body).toMatchObject({ top_k: 20, min_p: 0.05 });
    expect(upstreams.trtllm.requests[0]?.body).not.toHaveProperty('structured_outputs');
    expect(upstreams.openai.requests[0]?.body).not.toHaveProperty('top_k');
  });
});

describe('POST /v1/completions: bad requests', () => {
  it.each([
    ['a missing prompt', { model: 'llama' }],
    ['a null prompt', { model: 'llama', prompt: null }],
    ['an object prompt', { model: 'llama', prompt: { text: 'hi' } }],
    ['mixed strings and token ids', { model: 'llama', prompt: ['hi', 1] }],
    ['an empty batch', { model: 'llama', prompt: [] }],
  ])('answers %s with a 400 naming prompt', async (_, body) => {
    server.useGateway(gatewayConfig(ROUTES));
    const response = await server.fetch('/completions', { method: 'POST', body: JSON.stringify(body) });
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toMatch(/^prompt/);
    expect(upstreams.vllm1.requests).toHaveLength(0);
  });

  it('refuses what a target cannot express with a 400 naming the field, without fallback', async () => {
    server.useGateway(
      gatewayConfig([
        { name: 'haiku-first', strategy: 'fallback', targets: [{ ref: 'bedrock' }, { ref: 'openai' }] },
        single('llama-triton', 'triton'),
      ]),
    );
    const client = server.client();
    const tokens = await client.completions
      .create({ model: 'haiku-first', prompt: [1, 2, 3] })
      .catch((e: unknown) => e);
    expect(tokens).toBeInstanceOf(OpenAI.BadRequestError);
    expect((tokens as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/prompt: .*token ids/);
    const echo = await client.completions
      .create({ model: 'llama-triton', prompt: 'hi', echo: true })
      .catch((e: unknown) => e);
    expect(echo).toBeInstanceOf(OpenAI.BadRequestError);
    expect((echo as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/^400 echo: /);
    expect(upstreams.openai.requests).toHaveLength(0);
    expect(upstreams.bedrock.calls).toHaveLength(0);
    expect(upstreams.triton.requests).toHaveLength(0);
  });

  it('answers an unknown model with a 404 the client raises', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    const error = await server
      .client()
      .completions.create({ model: 'nope', prompt: 'hi' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('POST /v1/completions: routing and stream safety, as for chat', () => {
  it('falls back before the first token, streaming and not', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    const client = server.client();
    upstreams.vllm1.fault({ type: 'status', status: 503 }, { type: 'refuse' });
    const { data, response } = await client.completions
      .create({ model: 'failover', prompt: PROMPT })
      .withResponse();
    expect(response.headers.get('x-ragline-target')).toBe('openai');
    expect(data.choices[0]?.text).toBe(`You prompted: ${PROMPT}`);
    const { data: stream, response: streamed } = await client.completions
      .create({ model: 'failover', prompt: PROMPT, stream: true })
      .withResponse();
    expect(streamed.headers.get('x-ragline-target')).toBe('openai');
    expect((await collect(stream)).text).toBe(`You prompted: ${PROMPT}`);
    expect(upstreams.vllm1.requests.map((r) => r.endpoint)).toEqual(['completions', 'completions']);
  });

  it('moves on when the first text misses its deadline, and aborts the stalled call', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    upstreams.vllm1.fault({ type: 'stall-before-first-chunk', ms: 3_000 });
    const started = Date.now();
    const { text } = await collect(
      await server.client().completions.create({ model: 'failover', prompt: PROMPT, stream: true }),
    );
    expect(text).toBe(`You prompted: ${PROMPT}`);
    expect(Date.now() - started).toBeLessThan(2_000);
    await eventually(() => upstreams.vllm1.abortedRequests() === 1);
  });

  it.each([
    ['a cut', { type: 'cut-after', chunks: 2 }],
    ['a stall (idle timeout)', { type: 'stall-after', chunks: 2 }],
    ['an error frame', { type: 'error-frame-after', chunks: 2 }],
  ] as const)('%s after the first text ends the stream with an error and no [DONE]', async (_, fault) => {
    server.useGateway(gatewayConfig(ROUTES));
    upstreams.vllm1.fault(fault);
    const response = await server.fetch('/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'failover', prompt: PROMPT, stream: true }),
    });
    expect(response.status).toBe(200);
    const frames = (await response.text()).split('\n\n').filter(Boolean);
    expect(frames).not.toContain('data: [DONE]');
    const payloads = frames.map((frame) => JSON.parse(frame.slice('data: '.length)));
    expect(payloads.slice(0, 2).map((p) => p.choices[0].text)).toEqual(['You', ' prompted:']);
    expect(payloads.at(-1).error).toMatchObject({
      code: expect.stringMatching(/^UPSTREAM_(ERROR|TIMEOUT)$/),
    });
    expect(upstreams.openai.requests).toHaveLength(0);

    upstreams.vllm1.fault(fault);
    const stream = await server
      .client()
      .completions.create({ model: 'failover', prompt: PROMPT, stream: true });
    const raised = await collect(stream).catch((e: unknown) => e);
    expect(raised).toBeInstanceOf(OpenAI.APIError);
  });

  it('counts completions in the gateway metrics like chat calls', async () => {
    const gateway = server.useGateway(gatewayConfig(ROUTES));
    await server.client().completions.create({ model: 'llama', prompt: PROMPT });
    const metrics = gateway.metrics.render();
    expect(metrics).toContain(
      'ragline_gateway_requests_total{route="llama",target="vllm-1",status="ok",stream="false"} 1',
    );
    // "You prompted: The sky is blue because" is 7 tokens.
    expect(metrics).toContain(
      'ragline_gateway_tokens_total{route="llama",target="vllm-1",direction="output"} 7',
    );
  });
});
