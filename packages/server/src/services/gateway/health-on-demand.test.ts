import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIChatFake } from '../../testing/openai-chat-fake/openai-chat-fake.js';
import type { GatewayConfig } from './gateway-config.js';
import { createOnDemandScraping } from './health-on-demand.js';
import { createHealthScraper } from './health-scraper.js';
import { createTargetHealth } from './health-store.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const fakes = ['a', 'b', 'solo'].map((id) =>
  createOpenAIChatFake({
    baseURL: `http://${id}.on-demand.test/v1`,
    flavour: 'vllm',
    loraAdapters: ['sql-lora'],
  }),
);
const replicaA = fakes[0] as (typeof fakes)[number];
const server = setupServer(...fakes.flatMap((fake) => fake.handlers));
/** Every upstream URL fetched, in order. */
const fetched: string[] = [];
server.events.on('request:start', ({ request }) => void fetched.push(new URL(request.url).pathname));
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => {
  fetched.length = 0;
  Object.assign(replicaA.state, { running: 0, waiting: 0 });
});
afterAll(() => server.close());

const config: GatewayConfig = {
  targets: ['a', 'b', 'solo'].map((id) => ({
    id,
    kind: 'vllm',
    model: MODEL,
    baseURL: `http://${id}.on-demand.test/v1`,
  })),
  pools: [{ id: 'pool', replicas: ['a', 'b'], placement: 'least-loaded' }],
  routes: [],
};

function setup() {
  let t = 1_000_000;
  const clock = { now: () => new Date(t) };
  const health = createTargetHealth({ clock });
  const scraper = createHealthScraper({
    targets: config.targets,
    health,
    intervalMs: 1000,
    now: () => t,
  });
  const waited: Promise<unknown>[] = [];
  const tasks = { waitUntil: (promise: Promise<unknown>) => void waited.push(promise) };
  const onRequest = createOnDemandScraping(config, scraper);
  const chat = () => new Request('https://ragline.test/v1/chat/completions', { method: 'POST', body: '{}' });
  const advance = (ms: number) => {
    t += ms;
  };
  return { health, tasks, waited, onRequest, chat, advance };
}

describe('createOnDemandScraping', () => {
  it('starts a background scrape of stale pool replicas on a gateway call, without waiting for it', async () => {
    const { health, tasks, waited, onRequest, chat } = setup();
    Object.assign(replicaA.state, { running: 3, waiting: 1 });
    onRequest(chat(), tasks);
    expect(waited).toHaveLength(1);
    // The request went on at once: nothing is recorded until the background scrape lands.
    expect(health.get('a').load).toBeNull();
    await Promise.all(waited);
    expect(health.get('a').load).toMatchObject({ running: 3, waiting: 1 });
    expect(health.get('b').load).not.toBeNull();
    expect([...(health.get('b').adapters?.names ?? [])]).toEqual(['sql-lora']);
    // Not a pool replica: its signals would never be read.
    expect(health.get('solo').load).toBeNull();
    expect(fetched.filter((path) => path.endsWith('/metrics'))).toHaveLength(2);
  });

  it('keeps one scrape in flight per target and at most one per interval', async () => {
    const { tasks, waited, onRequest, chat, advance } = setup();
    onRequest(chat(), tasks);
    onRequest(chat(), tasks);
    expect(waited).toHaveLength(1);
    await Promise.all(waited);
    advance(999);
    onRequest(chat(), tasks);
    expect(waited).toHaveLength(1);
    advance(1);
    onRequest(chat(), tasks);
    expect(waited).toHaveLength(2);
    await Promise.all(waited);
    expect(fetched.filter((path) => path.endsWith('/metrics'))).toHaveLength(4);
  });

  it('ignores calls that do not go through the router', () => {
    const { tasks, waited, onRequest } = setup();
    onRequest(new Request('https://ragline.test/v1/models'), tasks);
    onRequest(new Request('https://ragline.test/v1/embeddings', { method: 'POST', body: '{}' }), tasks);
    onRequest(new Request('https://ragline.test/v1/chat/completions'), tasks);
    expect(waited).toHaveLength(0);
    onRequest(new Request('https://ragline.test/v1/completions', { method: 'POST', body: '{}' }), tasks);
    expect(waited).toHaveLength(1);
  });

  it('does nothing without pools', () => {
    const waited: unknown[] = [];
    const scraper = createHealthScraper({ targets: config.targets, health: createTargetHealth() });
    createOnDemandScraping({ pools: [] }, scraper)(
      new Request('https://ragline.test/v1/chat/completions', { method: 'POST', body: '{}' }),
      { waitUntil: (p) => void waited.push(p) },
    );
    expect(waited).toHaveLength(0);
    expect(fetched).toHaveLength(0);
  });
});
