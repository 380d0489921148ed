import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOpenAICompatibleChatModel } from '../../adapters/chat-model/openai-compatible-chat-model.js';
import { abortableSleep } from '../../core/retry.js';
import type { ChatModel, ChatStreamPart } from '../../ports/chat-model.js';
import type { GatewayConfig } from './gateway-config.js';
import { createGatewayMetrics } from './metrics.js';
import { createRoundRobinPlacement } from './placement.js';
import { createRouter, type Router, StreamInterruptedError } from './router.js';

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

describe('router idle timeout', () => {
  const chunk = (content: string): ChatStreamPart => ({
    type: 'chunk',
    chunk: {
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'llama',
      choices: [{ index: 0, delta: { content }, finish_reason: null }],
    },
  });
  /** The first token at once, then one part after each delay (ms). */
  const modelWith = (delays: number[]): ChatModel => ({
    target: { id: 'vllm', kind: 'vllm', model: 'llama' },
    generate: () => Promise.reject(new Error('not used')),
    complete: () => Promise.reject(new Error('not used')),
    streamCompletion: () => Promise.reject(new Error('not used')),
    async stream(_request, { signal }) {
      return (async function* () {
        yield chunk('first');
        for (const ms of delays) {
          await abortableSleep(ms, signal);
          yield chunk('more');
        }
      })();
    },
  });
  const routerWith = (delays: number[], idleMs: number, metrics = createGatewayMetrics()) =>
    createRouter({
      config: {
        ...config,
        routes: [
          {
            name: 'chat',
            strategy: 'single',
            targets: [{ ref: 'vllm' }],
            timeouts: { connectMs: 1_000, firstTokenMs: 1_000, idleMs, totalMs: 5_000 },
          },
        ],
      },
      models: new Map([['vllm', modelWith(delays)]]),
      placement: createRoundRobinPlacement(),
      metrics,
    });
  const open = async (router: Router) => {
    const outcome = await router.chat({
      route: 'chat',
      request: { model: 'chat', messages: [{ role: 'user', content: 'hello' }] },
      stream: true,
      signal: new AbortController().signal,
    });
    if (!outcome.stream) throw new Error('expected a stream');
    return outcome;
  };

  it('times each wait for a part, not the stream: parts 50 ms apart pass a 90 ms idle timeout', async () => {
    const outcome = await open(routerWith([50, 50, 50, 50], 90));
    const parts: ChatStreamPart[] = [];
    for await (const part of outcome.rest) parts.push(part);
    expect(parts).toHaveLength(4);
  });

  it('does not count the time the consumer takes between parts', async () => {
    const outcome = await open(routerWith([0, 0, 0], 60));
    let parts = 0;
    for await (const _ of outcome.rest) {
      parts++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(parts).toBe(3);
  });

  it('fails as an idle timeout once one wait lasts idleMs', async () => {
    const outcome = await open(routerWith([30, 30, 400], 90));
    const parts: ChatStreamPart[] = [];
    let waitStarted = 0;
    const error = await (async () => {
      for await (const part of outcome.rest) {
        parts.push(part);
        waitStarted = performance.now();
      }
    })().catch((e: unknown) => e);
    const waited = performance.now() - waitStarted;
    expect(parts).toHaveLength(2);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).details.reason).toBe('idle-timeout');
    expect(waited).toBeGreaterThanOrEqual(85);
    expect(waited).toBeLessThan(300);
  });

  it('fails a wait the consumer cancels as aborted, not as a cut stream of the target', async () => {
    const metrics = createGatewayMetrics();
    const outcome = await open(routerWith([10_000], 5_000, metrics));
    const pending = outcome.rest[Symbol.asyncIterator]().next();
    await new Promise((resolve) => setTimeout(resolve, 10));
    outcome.cancel();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).details.reason).toBe('aborted');
    const text = metrics.render();
    expect(text).toContain('kind="client_aborted"');
    expect(text).not.toContain('kind="stream_cut"');
  });
});
