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

const TIMEOUTS = { connectMs: 250, firstTokenMs: 400, idleMs: 300, totalMs: 5_000 };
const failover = (name: string, refs: string[], extra: Partial<RouteConfig> = {}): RouteConfig => ({
  name,
  strategy: 'fallback',
  targets: refs.map((ref) => ({ ref })),
  timeouts: TIMEOUTS,
  retry: { attempts: 1, maxRetryAfterMs: 500 },
  ...extra,
});
const ROUTES: RouteConfig[] = [
  failover('llama', ['vllm-1', 'openai']),
  failover('haiku', ['bedrock', 'openai']),
  failover('triton', ['triton', 'openai']),
  failover('flaky', ['vllm-2', 'openai'], {
    retry: { attempts: 0, maxRetryAfterMs: 0 },
    circuitBreaker: { failureThreshold: 2, openMs: 300 },
  }),
  {
    name: 'canary',
    strategy: 'weighted',
    targets: [
      { ref: 'vllm-1', weight: 80 },
      { ref: 'vllm-2', weight: 20 },
    ],
    stickyBy: 'user',
  },
];

beforeAll(async () => {
  upstreams.msw.listen({ onUnhandledRequest: 'bypass' });
  server = await startGatewayServer();
});
afterEach(() => upstreams.reset());
afterAll(async () => {
  upstreams.msw.close();
  await server?.close();
});

const question = [{ role: 'user' as const, content: 'why is the sky blue' }];
const ANSWER = 'You asked: why is the sky blue';

async function streamVia(model: string) {
  const { data, response } = await server
    .client()
    .chat.completions.create({ model, messages: question, max_tokens: 16, stream: true })
    .withResponse();
  let text = '';
  for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
  return { text, target: response.headers.get('x-ragline-target') };
}

/** Streams and returns what arrived before the client raised, and the error. */
async function streamUntilError(model: string) {
  const stream = await server
    .client()
    .chat.completions.create({ model, messages: question, max_tokens: 16, stream: true });
  let text = '';
  try {
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  } catch (error) {
    return { text, error };
  }
  return { text, error: undefined };
}

describe('fallback before the first token', () => {
  it.each([500, 503])('moves on after HTTP %i without the client noticing', async (status) => {
    server.useGateway(gatewayConfig(ROUTES));
    // One retry of vllm-1 is allowed, so fail it twice.
    upstreams.vllm1.fault({ type: 'status', status }, { type: 'status', status });
    expect(await streamVia('llama')).toEqual({ text: ANSWER, target: 'openai' });
    expect(upstreams.vllm1.requests).toHaveLength(2);
  });

  it('honours a short Retry-After on 429 and retries the same target', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    upstreams.vllm1.fault({ type: 'status', status: 429, headers: { 'retry-after-ms': '150' } });
    const started = Date.now();
    expect(await streamVia('llama')).toEqual({ text: ANSWER, target: 'vllm-1' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(upstreams.vllm1.requests).toHaveLength(2);
    expect(upstreams.openai.requests).toHaveLength(0);
  });

  it('moves on at once when Retry-After is beyond the cap', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    upstreams.vllm1.fault({ type: 'status', status: 429, headers: { 'retry-after': '30' } });
    const started = Date.now();
    expect(await streamVia('llama')).toEqual({ text: ANSWER, target: 'openai' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(upstreams.vllm1.requests).toHaveLength(1);
  });

  it('moves on after connection refused', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    upstreams.vllm1.fault({ type: 'refuse' }, { type: 'refuse' });
    expect(await streamVia('llama')).toEqual({ text: ANSWER, target: 'openai' });
  });

  it('moves on when no response headers come within the connect timeout, and aborts the hung call', async () => {
    server.useGateway(
      gatewayConfig([
        failover('llama', ['vllm-1', 'openai'], { retry: { attempts: 0, maxRetryAfterMs: 0 } }),
      ]),
    );
    upstreams.vllm1.fault({ type: 'hang' });
    const started = Date.now();
    expect(await streamVia('llama')).toEqual({ text: ANSWER, target: 'openai' });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(240);
    expect(elapsed).toBeLessThan(2_000);
    await eventually(() => upstreams.vllm1.abortedRequests() === 1);
  });

  it('moves on when the first token misses its deadline (headers came, tokens did not)', async () => {
    server.useGateway(
      gatewayConfig([
        failover('llama', ['vllm-1', 'openai'], { retry: { attempts: 0, maxRetryAfterMs: 0 } }),
      ]),
    );
    upstreams.vllm1.fault({ type: 'stall-before-first-chunk', ms: 3_000 });
    const started = Date.now();
    expect(await streamVia('llama')).toEqual({ text: ANSWER, target: 'openai' });
    expect(Date.now() - started).toBeLessThan(2_000);
    await eventually(() => upstreams.vllm1.abortedRequests() === 1);
  });

  it('applies the deadline to non-streaming calls too', async () => {
    server.useGateway(
      gatewayConfig([
        failover('llama', ['vllm-1', 'openai'], { retry: { attempts: 0, maxRetryAfterMs: 0 } }),
      ]),
    );
    upstreams.vllm1.fault({ type: 'hang' });
    const { data, response } = await server
      .client()
      .chat.completions.create({ model: 'llama', messages: question })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe(ANSWER);
    expect(response.headers.get('x-ragline-target')).toBe('openai');
  });

  it('moves on from Bedrock throttling and from a Triton 503', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    const throttled = { kind: 'http', status: 429, errorType: 'ThrottlingException' } as const;
    upstreams.bedrock.scriptNext(throttled, throttled);
    expect(await streamVia('haiku')).toEqual({ text: ANSWER, target: 'openai' });
    upstreams.triton.injectNext({ kind: 'http', status: 503 }, { kind: 'http', status: 503 });
    expect(await streamVia('triton')).toEqual({ text: ANSWER, target: 'openai' });
  });

  it('never falls back on a request the target cannot express, nor on an upstream 400', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    const client = server.client();
    const tools = [{ type: 'function' as const, function: { name: 'f', parameters: { type: 'object' } } }];
    const refused = await client.chat.completions
      .create({ model: 'haiku', messages: question, tools })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    upstreams.vllm1.fault({ type: 'status', status: 400 });
    const rejected = await client.chat.completions
      .create({ model: 'llama', messages: question })
      .catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(OpenAI.BadRequestError);
    expect(upstreams.openai.requests).toHaveLength(0);
  });

  it('answers 502 with every attempt listed when all targets fail', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    const fail = { type: 'status', status: 500 } as const;
    upstreams.vllm1.fault(fail, fail);
    upstreams.openai.fault(fail, fail);
    const response = await server.fetch('/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'llama', messages: question }),
    });
    expect(response.status).toBe(502);
    const body = await response.json();
    expect(body.error.code).toBe('UPSTREAM_ERROR');
    expect(
      body.error.details.attempts.map((a: { target: string; status: number }) => [a.target, a.status]),
    ).toEqual([
      ['vllm-1', 500],
      ['vllm-1', 500],
      ['openai', 500],
      ['openai', 500],
    ]);
  });
});

describe('non-streaming calls and the connect deadline', () => {
  // Headers within connectMs end the connect deadline; the body may take up to firstTokenMs.
  const slowBodyRoutes = (): RouteConfig[] =>
    (['vllm-1', 'triton', 'bedrock'] as const).map((ref) =>
      failover(`slow-${ref}`, [ref, 'openai'], {
        retry: { attempts: 0, maxRetryAfterMs: 0 },
        timeouts: { connectMs: 150, firstTokenMs: 3_000, idleMs: 300, totalMs: 5_000 },
      }),
    );

  it('lets a body that comes after connectMs through, once its headers came in time (chat and completions)', async () => {
    server.useGateway(gatewayConfig(slowBodyRoutes()));
    const client = server.client();
    upstreams.vllm1.fault({ type: 'slow-body', ms: 500 });
    const chat = await client.chat.completions
      .create({ model: 'slow-vllm-1', messages: question })
      .withResponse();
    expect(chat.response.headers.get('x-ragline-target')).toBe('vllm-1');
    expect(chat.data.choices[0]?.message.content).toBe(ANSWER);

    upstreams.vllm1.fault({ type: 'slow-body', ms: 500 });
    const started = Date.now();
    const completion = await client.completions
      .create({ model: 'slow-vllm-1', prompt: 'why is the sky blue' })
      .withResponse();
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(completion.response.headers.get('x-ragline-target')).toBe('vllm-1');
    expect(completion.data.choices[0]?.text).toBe('You prompted: why is the sky blue');
    expect(upstreams.openai.requests).toHaveLength(0);
  });

  it('does the same for Triton and Bedrock targets', async () => {
    server.useGateway(gatewayConfig(slowBodyRoutes()));
    const client = server.client();
    upstreams.triton.injectNext({ kind: 'slow-body', ms: 500 });
    const triton = await client.completions
      .create({ model: 'slow-triton', prompt: 'why is the sky blue', max_tokens: 8 })
      .withResponse();
    expect(triton.response.headers.get('x-ragline-target')).toBe('triton');
    upstreams.bedrock.scriptNext({ kind: 'answer', bodyDelayMs: 500 });
    const bedrock = await client.chat.completions
      .create({ model: 'slow-bedrock', messages: question })
      .withResponse();
    expect(bedrock.response.headers.get('x-ragline-target')).toBe('bedrock');
    expect(bedrock.data.choices[0]?.message.content).toBe('You said: why is the sky blue');
    expect(upstreams.openai.requests).toHaveLength(0);
  });

  it('fails over as a connect timeout when no headers come, well before firstTokenMs', async () => {
    server.useGateway(gatewayConfig(slowBodyRoutes()));
    upstreams.vllm1.fault({ type: 'hang' });
    const started = Date.now();
    const { data, response } = await server
      .client()
      .completions.create({ model: 'slow-vllm-1', prompt: 'why is the sky blue' })
      .withResponse();
    expect(response.headers.get('x-ragline-target')).toBe('openai');
    expect(data.choices[0]?.text).toBe('You prompted: why is the sky blue');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1_500);
    await eventually(() => upstreams.vllm1.abortedRequests() === 1);

    upstreams.vllm1.fault({ type: 'hang' });
    upstreams.openai.fault({ type: 'hang' });
    const exhausted = await server.fetch('/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'slow-vllm-1', messages: question }),
    });
    expect(exhausted.status).toBe(504);
    const body = await exhausted.json();
    expect(body.error.details.attempts.map((a: { timeout?: string }) => a.timeout)).toEqual([
      'connect',
      'connect',
    ]);
  });
});

describe('failures after the first token', () => {
  it.each([
    ['a cut', { type: 'cut-after', chunks: 3 }],
    ['a stall (idle timeout)', { type: 'stall-after', chunks: 3 }],
    ['a malformed chunk', { type: 'malformed-after', chunks: 3 }],
    ['an error frame', { type: 'error-frame-after', chunks: 3 }],
  ] as const)('%s ends the stream with an error the client raises, and no fallback', async (_, fault) => {
    server.useGateway(gatewayConfig(ROUTES));
    upstreams.vllm1.fault(fault);
    const { text, error } = await streamUntilError('llama');
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(text.length).toBeGreaterThan(0);
    expect(ANSWER.startsWith(text)).toBe(true);
    expect(text).not.toBe(ANSWER);
    expect(upstreams.openai.requests).toHaveLength(0);
  });

  it('writes an explicit error event and no [DONE] on the wire', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    upstreams.vllm1.fault({ type: 'cut-after', chunks: 2 });
    const response = await server.fetch('/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'llama', messages: question, stream: true }),
    });
    expect(response.status).toBe(200);
    const frames = (await response.text()).split('\n\n').filter(Boolean);
    expect(frames).not.toContain('data: [DONE]');
    const last = JSON.parse((frames.at(-1) as string).slice('data: '.length));
    expect(last.error).toMatchObject({ code: 'UPSTREAM_ERROR', type: 'upstream_error' });
    expect(last.error.message).toMatch(/ended without \[DONE\]/);
  });

  it('reports a Bedrock exception inside the 200 stream and a Triton error frame', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    upstreams.bedrock.scriptNext({
      kind: 'stream-exception',
      afterDeltas: 2,
      exceptionType: 'throttlingException',
    });
    const bedrock = await streamUntilError('haiku');
    expect(bedrock.error).toBeInstanceOf(OpenAI.APIError);
    expect(bedrock.text.length).toBeGreaterThan(0);
    upstreams.triton.injectNext({ kind: 'error-frame', afterFrames: 2 });
    const triton = await streamUntilError('triton');
    expect(triton.error).toBeInstanceOf(OpenAI.APIError);
    expect(upstreams.openai.requests).toHaveLength(0);
  });

  it('aborts the upstream call when the client disconnects', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    upstreams.vllm1.fault({ type: 'slow', tokenDelayMs: 200 });
    const stream = await server
      .client()
      .chat.completions.create({ model: 'llama', messages: question, stream: true });
    for await (const _ of stream) break; // leaves after the first chunk; the client aborts its request
    await eventually(() => upstreams.vllm1.abortedRequests() === 1);
  });
});

describe('weighted split and circuit breaker', () => {
  it('keeps one user on one variant and splits users by weight', async () => {
    server.useGateway(gatewayConfig(ROUTES));
    const client = server.client();
    const served = async (user: string) => {
      const { response } = await client.chat.completions
        .create({ model: 'canary', messages: question, user })
        .withResponse();
      return response.headers.get('x-ragline-target');
    };
    const first = new Map<string, string | null>();
    for (let i = 0; i < 200; i++) first.set(`user-${i}`, await served(`user-${i}`));
    for (let i = 0; i < 20; i++) expect(await served(`user-${i}`)).toBe(first.get(`user-${i}`));
    const canary = [...first.values()].filter((t) => t === 'vllm-2').length;
    expect(canary).toBeGreaterThan(20);
    expect(canary).toBeLessThan(60);
  });

  it('opens after repeated failures, skips the target, then half-opens and closes on a good probe', async () => {
    const gateway = server.useGateway(gatewayConfig(ROUTES));
    upstreams.vllm2.fault({ type: 'status', status: 500 }, { type: 'status', status: 500 });
    expect((await streamVia('flaky')).target).toBe('openai');
    expect((await streamVia('flaky')).target).toBe('openai');
    expect(gateway.router.circuitState('vllm-2')).toBe('open');
    expect((await streamVia('flaky')).target).toBe('openai');
    expect(upstreams.vllm2.requests).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 320));
    expect(gateway.router.circuitState('vllm-2')).toBe('half-open');
    expect(await streamVia('flaky')).toEqual({ text: ANSWER, target: 'vllm-2' });
    expect(gateway.router.circuitState('vllm-2')).toBe('closed');
    expect(gateway.metrics.render()).toMatch(
      /ragline_gateway_circuit_state\{target="vllm-2",state="closed"\} 1/,
    );
  });

  it('reopens when the half-open probe fails', async () => {
    const gateway = server.useGateway(gatewayConfig(ROUTES));
    const fail = { type: 'status', status: 503 } as const;
    upstreams.vllm2.fault(fail, fail, fail);
    await streamVia('flaky');
    await streamVia('flaky');
    await new Promise((r) => setTimeout(r, 320));
    expect((await streamVia('flaky')).target).toBe('openai');
    expect(upstreams.vllm2.requests).toHaveLength(3);
    expect(gateway.router.circuitState('vllm-2')).toBe('open');
  });
});
