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
