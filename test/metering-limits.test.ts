import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PriceEntry } from '../packages/server/src/ports/cost-repositories.js';
import { createUpstreams, type GatewayServer, gatewayConfig, startGatewayServer } from './gateway-harness.js';

// Budgets, rate limits and the exactness of the ledger, through the gateway's front door with real
// keys, the real guard and the real libSQL ledger; only the vLLM upstream is faked.
const upstreams = createUpstreams();
let server: GatewayServer;

// $10 / M input, $30 / M output: a call of ~20 prompt and ~15 answer tokens costs ~650 micro-dollars.
const PRICES: PriceEntry[] = [
  { target: 'vllm-1', inputPerMillionMicros: 10_000_000, outputPerMillionMicros: 30_000_000 },
];

beforeAll(async () => {
  upstreams.msw.listen({ onUnhandledRequest: 'bypass' });
  server = await startGatewayServer();
  server.useGateway(gatewayConfig([{ name: 'llama', strategy: 'single', targets: [{ ref: 'vllm-1' }] }]));
  await server.deps.metadata.prices.append(
    {
      effectiveFrom: '2020-01-01T00:00:00.000Z',
      entries: PRICES,
      source: 'api',
      note: null,
      createdAt: new Date().toISOString(),
      createdBy: null,
    },
    null,
  );
  await server.deps.costs?.prices.reload();
});

afterAll(async () => {
  upstreams.msw.close();
  await server.close();
});

async function createKey(body: Record<string, unknown>): Promise<string> {
  const response = await server.fetch('/keys', { method: 'POST', body: JSON.stringify(body) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { key: string }).key;
}

function chat(key: string, text: string, maxTokens = 20): Promise<Response> {
  return server.fetch('/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({
      model: 'llama',
      messages: [{ role: 'user', content: text }],
      max_tokens: maxTokens,
    }),
  });
}

async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

describe('metering limits through the gateway', () => {
  it('sums 1,000 concurrent metered requests exactly', async () => {
    const key = await createKey({ tenant: 'sum-test', name: 'load' });
    const responses = await pool(1000, 50, (i) => chat(key, `question number ${i} ${'word '.repeat(i % 7)}`));
    let headerSum = 0;
    for (const response of responses) {
      expect(response.status).toBe(200);
      headerSum += Number(response.headers.get('x-ragline-cost-micros'));
      await response.body?.cancel();
    }
    expect(headerSum).toBeGreaterThan(0);
    await server.deps.costs?.ledger.flush();
    const usage = await server.fetch('/usage?from=1d&group_by=model', {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(usage.status).toBe(200);
    const body = (await usage.json()) as { totals: { requests: number; costMicros: number } };
    expect(body.totals.requests).toBe(1000);
    expect(body.totals.costMicros).toBe(headerSum);
  });

  it('refuses calls with 402 once a hard budget is spent, never overshooting what it reserved', async () => {
    // A fresh tenant with a $0.01 daily hard budget; each call reserves prompt + 20 tokens of output.
    const key = await createKey({ tenant: 'budget-test', name: 'app' });
    const admin = await createKey({ tenant: 'budget-test', name: 'ops', admin: true });
    const created = await server.fetch('/budgets', {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
      body: JSON.stringify({ name: 'daily cap', period: 'day', limit: '0.01', mode: 'hard' }),
    });
    expect(created.status).toBe(201);
    const budget = (await created.json()) as { id: string };

    const responses = await pool(60, 20, (i) => chat(key, `spend some money ${i}`));
    const ok = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status === 402);
    expect(ok.length + refused.length).toBe(60);
    expect(refused.length).toBeGreaterThan(0);
    expect(ok.length).toBeGreaterThan(0);
    let spent = 0;
    for (const r of ok) spent += Number(r.headers.get('x-ragline-cost-micros'));
    expect(spent).toBeLessThanOrEqual(10_000);
    const error = (await refused[0]?.json()) as { error: { code: string; message: string } };
    expect(error.error.code).toBe('BUDGET_EXCEEDED');
    expect(error.error.message).toContain('daily cap');
    // The upstream never saw the refused calls.
    expect(
      upstreams.vllm1.requests.filter((r) => JSON.stringify(r.body).includes('spend some money')),
    ).toHaveLength(ok.length);

    const status = await server.fetch(`/budgets/${budget.id}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const view = (await status.json()) as Record<string, unknown>;
    expect(JSON.stringify(view)).toContain(String(spent));
  });

  it('answers 429 with Retry-After once a key is over its requests per minute', async () => {
    const key = await createKey({ tenant: 'rate-test', name: 'limited', rpmLimit: 3 });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const response = await chat(key, `rate ${i}`);
      statuses.push(response.status);
      if (response.status === 429) retryAfter ??= response.headers.get('retry-after');
      await response.body?.cancel();
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });
});
