import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOpenAICompatibleChatModel } from '../../adapters/chat-model/openai-compatible-chat-model.js';
import type { GatewayConfig } from './gateway-config.js';
import { createGatewayMetrics } from './metrics.js';
import { createRoundRobinPlacement } from './placement.js';
import { createRouter } from './router.js';

afterEach(() => vi.useRealTimers());

/** An upstream that answers at once, like vLLM, without network or timers. */
const upstreamFetch: typeof fetch = async () =>
  new Response(
    JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'llama',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    }),
    { status: 200, headers: { 'content-type': 'application/json' } },
  );

const config: GatewayConfig = {
  targets: [{ id: 'vllm', kind: 'vllm', model: 'llama', baseURL: 'http://vllm.test/v1' }],
  pools: [],
  routes: [{ name: 'chat', strategy: 'single', targets: [{ ref: 'vllm' }] }],
};

describe('router', () => {
  it('leaves no timer behind after a non-streaming call', async () => {
    vi.useFakeTimers();
    const model = createOpenAICompatibleChatModel({
      id: 'vllm',
      kind: 'vllm',
      baseURL: 'http://vllm.test/v1',
      model: 'llama',
      fetch: upstreamFetch,
    });
    const router = createRouter({
      config,
      models: new Map([['vllm', model]]),
      placement: createRoundRobinPlacement(),
    });
    const outcome = await router.chat({
      route: 'chat',
      request: { model: 'chat', messages: [{ role: 'user', content: 'hello' }] },
      stream: false,
      signal: new AbortController().signal,
    });
    expect(outcome.stream).toBe(false);
    expect(outcome.target.id).toBe('vllm');
    // Connect, first-token and total deadlines must all be cleared once the body has arrived.
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('router, pinned definitions', () => {
  it('says which targets are missing when a route definition names none that exist', async () => {
    const router = createRouter({ config, models: new Map(), placement: createRoundRobinPlacement() });
    const call = router.chat({
      route: 'old',
      definition: { name: 'old', strategy: 'single', targets: [{ ref: 'vllm-retired' }] },
      request: { model: 'old', messages: [{ role: 'user', content: 'hello' }] },
      stream: false,
      signal: new AbortController().signal,
    });
    await expect(call).rejects.toThrow(/none of its targets \(vllm-retired\) exists/);
  });
});

describe('router placement', () => {
  it('records each placement decision in the metrics', async () => {
    const models = new Map(
      ['a', 'b'].map((id) => [
        id,
        createOpenAICompatibleChatModel({
          id,
          kind: 'vllm',
          baseURL: `http://${id}.test/v1`,
          model: 'llama',
          fetch: upstreamFetch,
        }),
      ]),
    );
    const metrics = createGatewayMetrics();
    const router = createRouter({
      config: {
        targets: ['a', 'b'].map((id) => ({
          id,
          kind: 'vllm',
          model: 'llama',
          baseURL: `http://${id}.test/v1`,
        })),
        pools: [{ id: 'pool', replicas: ['a', 'b'], placement: 'round-robin' }],
        routes: [{ name: 'chat', strategy: 'single', targets: [{ ref: 'pool' }] }],
      },
      models,
      placement: createRoundRobinPlacement(),
      metrics,
    });
    const served: string[] = [];
    for (let i = 0; i < 4; i++) {
      const outcome = await router.chat({
        route: 'chat',
        request: { model: 'chat', messages: [{ role: 'user', content: `hello ${i}` }] },
        stream: false,
        signal: new AbortController().signal,
      });
      served.push(outcome.target.id);
    }
    expect(served).toEqual(['a', 'b', 'a', 'b']);
    const text = metrics.render();
    expect(text).toContain('pool="pool",policy="round-robin",target="a",reason="placed"} 2');
    expect(text).toContain('pool="pool",policy="round-robin",target="b",reason="placed"} 2');
  });
});

describe('router connect deadline', () => {
  const body = JSON.stringify({
    id: 'cmpl-1',
    object: 'text_completion',
    created: 1,
    model: 'llama',
    choices: [{ index: 0, text: 'hi', logprobs: null, finish_reason: 'stop' }],
  });
  /** Headers at once, the body `bodyMs` later; or, with `hang`, no headers at all until aborted. */
  const upstream =
    (behaviour: { bodyMs: number } | 'hang'): typeof fetch =>
    async (_url, init) => {
      const signal = init?.signal as AbortSignal;
      if (behaviour === 'hang') {
        return new Promise<Response>((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
        );
      }
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          const timer = setTimeout(() => {
            controller.enqueue(new TextEncoder().encode(body));
            controller.close();
          }, behaviour.bodyMs);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            controller.error(signal.reason);
          });
        },
      });
      return new Response(stream, { status: 200, headers: { 'content-type': 'application/json' } });
    };
  const routerWith = (first: typeof fetch) => {
    const target = (id: string, upstreamFetch: typeof fetch) =>
      createOpenAICompatibleChatModel({
        id,
        kind: 'vllm',
        baseURL: `http://${id}.test/v1`,
        model: 'llama',
        fetch: upstreamFetch,
      });
    return createRouter({
      config: {
        targets: ['slow', 'backup'].map((id) => ({
          id,
          kind: 'vllm',
          model: 'llama',
          baseURL: `http://${id}.test/v1`,
        })),
        pools: [],
        routes: [
          {
            name: 'complete',
            strategy: 'fallback',
            targets: [{ ref: 'slow' }, { ref: 'backup' }],
            timeouts: { connectMs: 80, firstTokenMs: 600, idleMs: 1_000, totalMs: 5_000 },
          },
        ],
      },
      models: new Map([
        ['slow', target('slow', first)],
        ['backup', target('backup', upstream({ bodyMs: 0 }))],
      ]),
      placement: createRoundRobinPlacement(),
    });
  };
  const call = { route: 'complete', request: { model: 'complete', prompt: 'hello' }, stream: false } as const;

  it('lets a non-streaming body take longer than connectMs once the headers came', async () => {
    const router = routerWith(upstream({ bodyMs: 250 }));
    const outcome = await router.complete({ ...call, signal: new AbortController().signal });
    expect(outcome.target.id).toBe('slow');
    expect(outcome.attempts).toEqual([{ target: 'slow', outcome: 'ok', ms: expect.any(Number) }]);
    expect(outcome.attempts[0]?.ms).toBeGreaterThanOrEqual(240);
  });

  it('still fails over as a connect timeout when no headers come', async () => {
    const router = routerWith(upstream('hang'));
    const outcome = await router.complete({ ...call, signal: new AbortController().signal });
    expect(outcome.target.id).toBe('backup');
    expect(outcome.attempts[0]).toMatchObject({ target: 'slow', outcome: 'timeout', timeout: 'connect' });
  });

  it('bounds the whole non-streaming body by firstTokenMs', async () => {
    const router = routerWith(upstream({ bodyMs: 3_000 }));
    const outcome = await router.complete({ ...call, signal: new AbortController().signal });
    expect(outcome.target.id).toBe('backup');
    expect(outcome.attempts[0]).toMatchObject({ target: 'slow', outcome: 'timeout', timeout: 'first-token' });
  });
});
