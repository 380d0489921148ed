import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PlacementPolicy } from '../packages/server/src/services/gateway/gateway-config.js';
import { createTargetHealth } from '../packages/server/src/services/gateway/health-store.js';
import { createUpstreams, type GatewayServer, gatewayConfig, startGatewayServer } from './gateway-harness.js';

/** LoRA adapters through routes: `{ ref, adapter }` sends the adapter name upstream as `model`. */
const upstreams = createUpstreams();
let server: GatewayServer;

beforeAll(async () => {
  upstreams.msw.listen({ onUnhandledRequest: 'bypass' });
  server = await startGatewayServer();
});
afterEach(() => {
  expect(upstreams.vllm1.invalidRequests).toEqual([]);
  expect(upstreams.vllm2.invalidRequests).toEqual([]);
  upstreams.reset();
  upstreams.vllm1.state.loraAdapters = [];
  upstreams.vllm2.state.loraAdapters = [];
});
afterAll(async () => {
  upstreams.msw.close();
  await server?.close();
});

function manualClock() {
  let t = 1_700_000_000_000;
  return {
    now: () => new Date(t),
    advance: (ms: number) => {
      t += ms;
    },
  };
}

function useLoraGateway(placement: PlacementPolicy) {
  const clock = manualClock();
  const gateway = server.useGateway(
    gatewayConfig(
      [{ name: 'sql', strategy: 'single', targets: [{ ref: 'llama-pool', adapter: 'sql-lora' }] }],
      [{ id: 'llama-pool', replicas: ['vllm-1', 'vllm-2'], placement }],
    ),
    { health: createTargetHealth({ clock }) },
  );
  return { gateway, clock };
}

async function ask(n: number, stream = false) {
  const client = server.client();
  const served: string[] = [];
  for (let i = 0; i < n; i++) {
    const messages = [{ role: 'user' as const, content: `question ${i}` }];
    if (stream) {
      const { data, response } = await client.chat.completions
        .create({ model: 'sql', messages, stream: true })
        .withResponse();
      let text = '';
      for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe(`(sql-lora) You asked: question ${i}`);
      served.push(response.headers.get('x-ragline-target') ?? '');
    } else {
      const { data, response } = await client.chat.completions
        .create({ model: 'sql', messages })
        .withResponse();
      expect(data.model).toBe('sql-lora');
      expect(data.choices[0]?.message.content).toBe(`(sql-lora) You asked: question ${i}`);
      served.push(response.headers.get('x-ragline-target') ?? '');
    }
  }
  return served;
}

describe.each(['least-loaded', 'prefix-affinity', 'round-robin'] as const)(
  'LoRA routes (%s pool)',
  (policy) => {
    it('send adapter requests only to the replica whose /v1/models lists the adapter', async () => {
      upstreams.vllm2.state.loraAdapters = ['sql-lora'];
      const { gateway } = useLoraGateway(policy);
      await gateway.scraper.scrapeOnce();
      expect([...(gateway.health.get('vllm-2').adapters?.names ?? [])]).toEqual(['sql-lora']);

      expect(await ask(4)).toEqual(['vllm-2', 'vllm-2', 'vllm-2', 'vllm-2']);
      expect(await ask(2, true)).toEqual(['vllm-2', 'vllm-2']);
      expect(upstreams.vllm1.requests).toHaveLength(0);
      expect(upstreams.vllm2.requests.map((r) => r.body.model)).toEqual(Array(6).fill('sql-lora'));
    });

    it('spread over every replica when no list is known or the lists went stale', async () => {
      // Both serve the adapter (a LoRA resolver loads it on demand), but the gateway has not scraped yet.
      upstreams.vllm1.state.loraAdapters = ['sql-lora'];
      upstreams.vllm2.state.loraAdapters = ['sql-lora'];
      useLoraGateway(policy);
      const fresh = await ask(6);
      expect(new Set(fresh)).toEqual(new Set(['vllm-1', 'vllm-2']));

      // Scraped while only vllm-2 listed it; then the lists age out.
      upstreams.reset();
      upstreams.vllm1.state.loraAdapters = [];
      const { gateway, clock } = useLoraGateway(policy);
      await gateway.scraper.scrapeOnce();
      upstreams.vllm1.state.loraAdapters = ['sql-lora'];
      expect(new Set(await ask(2))).toEqual(new Set(['vllm-2']));
      clock.advance(60_000);
      expect(gateway.health.get('vllm-2').adapters).toBeNull();
      expect(new Set(await ask(6))).toEqual(new Set(['vllm-1', 'vllm-2']));
      const models = [...upstreams.vllm1.requests, ...upstreams.vllm2.requests].map((r) => r.body.model);
      expect(new Set(models)).toEqual(new Set(['sql-lora']));
    });
  },
);

describe('LoRA routes through the routes API', () => {
  it('accepts an adapter on a vLLM pool and refuses one on a trtllm target, naming the path', async () => {
    upstreams.vllm1.state.loraAdapters = ['sql-lora'];
    upstreams.vllm2.state.loraAdapters = ['sql-lora'];
    server.useGateway(
      gatewayConfig([], [{ id: 'llama-pool', replicas: ['vllm-1', 'vllm-2'], placement: 'least-loaded' }]),
    );
    const ok = await server.fetch('/routes/tenant-sql', {
      method: 'PUT',
      body: JSON.stringify({ targets: [{ ref: 'llama-pool', adapter: 'sql-lora' }] }),
    });
    expect(ok.status).toBe(201);
    const completion = await server
      .client()
      .chat.completions.create({ model: 'tenant-sql', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.model).toBe('sql-lora');

    const bad = await server.fetch('/routes/tenant-trt', {
      method: 'PUT',
      body: JSON.stringify({ targets: [{ ref: 'trtllm', adapter: 'sql-lora' }] }),
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain(
      'targets[0].adapter: \\"trtllm\\" is a \\"trtllm\\" target; LoRA adapters are served by \\"vllm\\" and \\"openai-compatible\\" targets only',
    );
  });
});
