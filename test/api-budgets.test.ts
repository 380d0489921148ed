import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../packages/server/src/app.js';
import type { ApiError } from '../packages/server/src/core/api-error.js';
import type { UsageRecord } from '../packages/server/src/ports/cost-repositories.js';
import type { CostServices } from '../packages/server/src/services/metering/cost-services.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let costs: CostServices;
/** The bootstrap admin key: tenant `default`. */
let admin: ReturnType<typeof client>;
/** An ordinary key of tenant `default`. */
let app: ReturnType<typeof client>;
let appKeyId: string;
/** An admin key of another tenant. */
let otherAdmin: ReturnType<typeof client>;
let otherKeyId: string;
let sequence = 0;

beforeAll(async () => {
  server = await createInProcessServer();
  costs = server.deps.costs as CostServices;
  admin = client(server.fetch, server.baseURL, ADMIN_KEY);
  const created = (await admin.post('/v1/keys', { tenant: 'default', name: 'app' })).json;
  app = client(server.fetch, server.baseURL, created.key);
  appKeyId = created.id;
  const other = (await admin.post('/v1/keys', { tenant: 'globex', admin: true })).json;
  otherAdmin = client(server.fetch, server.baseURL, other.key);
  otherKeyId = other.id;
});
afterAll(() => server?.close());

function record(tenantId: string, keyId: string, costMicros: number): UsageRecord {
  const id = `req_budget_${++sequence}`;
  return {
    tenantId,
    id,
    requestId: id,
    keyId,
    kind: 'chat',
    route: 'chat',
    routeVersion: 1,
    target: 't',
    targetKind: 'openai',
    model: 'm',
    promptVersion: null,
    releaseId: null,
    inputTokens: 1,
    cachedInputTokens: 0,
    outputTokens: 1,
    reasoningTokens: 0,
    usageSource: 'upstream',
    estimateMethod: null,
    gpuBusyUs: null,
    stream: false,
    outcome: 'ok',
    startedAtMs: Date.now(),
    durationMs: 1,
    costMicros,
    priceVersion: 1,
    costBasis: 'tokens',
  };
}

function currentMonth() {
  const now = new Date();
  return {
    periodStart: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
    periodEnd: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
  };
}

const reserve = (maxCostMicros: number, keyId: string | null = appKeyId, tenantId = 'default') =>
  costs.budgets.reserve({ tenantId, keyId, maxCostMicros, atMs: Date.now() });

describe('budgets API', () => {
  it('creates a budget from dollars, shows its current period, and enforces it at once', async () => {
    const res = await admin.post('/v1/budgets', { name: 'team', period: 'month', limit: '12.50' });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      name: 'team',
      scope: 'tenant',
      keyId: null,
      period: 'month',
      mode: 'hard',
      limitMicros: 12_500_000,
      limit: '12.500000',
      spentMicros: 0,
      reservedMicros: 0,
      remainingMicros: 12_500_000,
      remaining: '12.500000',
      ...currentMonth(),
    });
    expect(res.json.id).toMatch(/^bud_/);
    const error = (await reserve(12_500_001).catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('BUDGET_EXCEEDED');
    expect(error.message).toContain(res.json.id);
    await admin.delete(`/v1/budgets/${res.json.id}`);
  });

  it('reports spent from the ledger and reserved from calls in flight', async () => {
    const budget = (await admin.post('/v1/budgets', { keyId: appKeyId, period: 'day', limit: 1 })).json;
    expect(budget).toMatchObject({ scope: 'key', keyId: appKeyId, period: 'day', limitMicros: 1_000_000 });
    await server.deps.metadata.ledger.append([
      record('default', appKeyId, 250_000),
      record('default', 'key_someone_else', 400_000),
      record('globex', appKeyId, 900_000),
    ]);
    const held = await reserve(300_000);
    const seen = await app.get(`/v1/budgets/${budget.id}`);
    expect(seen.status).toBe(200);
    expect(seen.json).toMatchObject({
      spentMicros: 250_000,
      reservedMicros: 300_000,
      remainingMicros: 450_000,
      spent: '0.250000',
      reserved: '0.300000',
      remaining: '0.450000',
    });
    held.settle(100_000);
    expect((await app.get('/v1/budgets')).json.data).toContainEqual(
      expect.objectContaining({ id: budget.id, spentMicros: 350_000, reservedMicros: 0 }),
    );
    expect((await admin.delete(`/v1/budgets/${budget.id}`)).status).toBe(204);
  });

  it('changes a limit, mode and name with PATCH, effective for the next call', async () => {
    const budget = (await admin.post('/v1/budgets', { period: 'month', limit: '0.000010' })).json;
    await expect(reserve(20)).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    const patched = await admin.call('PATCH', `/v1/budgets/${budget.id}`, { limit: 100, name: 'raised' });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      id: budget.id,
      limitMicros: 100_000_000,
      name: 'raised',
      mode: 'hard',
    });
    (await reserve(20)).release();
    const soft = await admin.call('PATCH', `/v1/budgets/${budget.id}`, {
      mode: 'soft',
      limit: 0,
      name: null,
    });
    expect(soft.json).toMatchObject({ mode: 'soft', limitMicros: 0, name: null });
    (await reserve(1_000_000)).release();
    await admin.delete(`/v1/budgets/${budget.id}`);
  });

  it('deletes a budget: gone from reads, no longer enforced', async () => {
    const budget = (await admin.post('/v1/budgets', { period: 'day', limit: 0 })).json;
    await expect(reserve(0)).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect((await admin.delete(`/v1/budgets/${budget.id}`)).status).toBe(204);
    expect((await admin.get(`/v1/budgets/${budget.id}`)).status).toBe(404);
    expect((await admin.delete(`/v1/budgets/${budget.id}`)).status).toBe(404);
    expect((await admin.get('/v1/budgets')).json.data.map((b: { id: string }) => b.id)).not.toContain(
      budget.id,
    );
    (await reserve(5_000_000)).release();
  });

  it('lets any key of the tenant read budgets, and only admin keys change them', async () => {
    const budget = (await admin.post('/v1/budgets', { period: 'month', limit: 5 })).json;
    expect((await app.get('/v1/budgets')).status).toBe(200);
    expect((await app.get(`/v1/budgets/${budget.id}`)).status).toBe(200);
    expect((await app.get('/v1/budgets/alerts')).status).toBe(200);
    const attempts = [
      await app.post('/v1/budgets', { period: 'month', limit: 1_000 }),
      await app.call('PATCH', `/v1/budgets/${budget.id}`, { limit: 1_000 }),
      await app.delete(`/v1/budgets/${budget.id}`),
    ];
    for (const attempt of attempts) {
      expect(attempt.status).toBe(403);
      expect(attempt.json.error.code).toBe('FORBIDDEN');
    }
    expect((await admin.get(`/v1/budgets/${budget.id}`)).json.limitMicros).toBe(5_000_000);
    await admin.delete(`/v1/budgets/${budget.id}`);
  });

  it("keeps tenants apart: another tenant's admin cannot see, change or delete a budget, nor budget a foreign key", async () => {
    const budget = (await admin.post('/v1/budgets', { period: 'month', limit: 5 })).json;
    expect((await otherAdmin.get(`/v1/budgets/${budget.id}`)).status).toBe(404);
    expect((await otherAdmin.get('/v1/budgets')).json.data).toEqual([]);
    expect((await otherAdmin.call('PATCH', `/v1/budgets/${budget.id}`, { limit: 0 })).status).toBe(404);
    expect((await otherAdmin.delete(`/v1/budgets/${budget.id}`)).status).toBe(404);
    const foreign = await otherAdmin.post('/v1/budgets', { keyId: appKeyId, period: 'day', limit: 1 });
    expect(foreign.status).toBe(400);
    expect(foreign.json.error.message).toMatch(/^keyId: tenant "globex" has no API key "key_/);
    const own = await otherAdmin.post('/v1/budgets', { keyId: otherKeyId, period: 'day', limit: 1 });
    expect(own.status).toBe(201);
    expect((await admin.get(`/v1/budgets/${budget.id}`)).json.limitMicros).toBe(5_000_000);
    await admin.delete(`/v1/budgets/${budget.id}`);
    await otherAdmin.delete(`/v1/budgets/${own.json.id}`);
  });

  it('answers 400 naming the field for a bad limit, period or mode', async () => {
    const cases: [unknown, RegExp][] = [
      [{ period: 'month', limit: '1.0000001' }, /^limit: .*more than 6 decimals/],
      [{ period: 'month', limit: '-3' }, /^limit: /],
      [{ period: 'month', limit: 'ten' }, /^limit: /],
      [{ period: 'week', limit: 1 }, /^period: /],
      [{ period: 'day', limit: 1, mode: 'strict' }, /^mode: /],
      [{ limit: 1 }, /^period: /],
    ];
    for (const [body, message] of cases) {
      const res = await admin.post('/v1/budgets', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.message).toMatch(message);
    }
    const budget = (await admin.post('/v1/budgets', { period: 'day', limit: 1 })).json;
    const bad = await admin.call('PATCH', `/v1/budgets/${budget.id}`, { limit: '0.1234567' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/^limit: /);
    await admin.delete(`/v1/budgets/${budget.id}`);
  });

  it('lists alerts: a hard refusal once per period, newest first, filtered by budget and time', async () => {
    const fresh = (await admin.post('/v1/keys', { tenant: 'initech', admin: true })).json;
    const initech = client(server.fetch, server.baseURL, fresh.key);
    const budget = (await initech.post('/v1/budgets', { period: 'month', limit: '0.01', name: 'tiny' })).json;
    for (let i = 0; i < 3; i++) {
      await expect(reserve(20_000, fresh.id, 'initech')).rejects.toMatchObject({ status: 402 });
    }
    await vi.waitFor(async () => expect((await initech.get('/v1/budgets/alerts')).json.data).toHaveLength(1));
    const alerts = await initech.get(`/v1/budgets/alerts?budget=${budget.id}&since=2020-01-01&limit=5`);
    expect(alerts.json.data).toEqual([
      {
        budgetId: budget.id,
        kind: 'refused',
        periodStart: currentMonth().periodStart,
        spentMicros: 0,
        limitMicros: 10_000,
        spent: '0.000000',
        limit: '0.010000',
        at: expect.any(String),
      },
    ]);
    expect((await initech.get('/v1/budgets/alerts?since=2999-01-01')).json.data).toEqual([]);
    expect((await admin.get('/v1/budgets/alerts')).json.data).not.toContainEqual(
      expect.objectContaining({ budgetId: budget.id }),
    );
    const bad = await initech.get('/v1/budgets/alerts?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/^limit: /);
    expect((await initech.get('/v1/budgets/alerts?since=yesterday')).json.error.message).toMatch(/^since: /);
    await initech.delete(`/v1/budgets/${budget.id}`);
  });

  it('answers 503 when the server runs without cost services', async () => {
    const bare = createApp({ ...server.deps, costs: undefined });
    const bareFetch = (input: RequestInfo | URL, init?: RequestInit) =>
      Promise.resolve(bare.fetch(new Request(input, init)));
    const res = await client(bareFetch, server.baseURL, ADMIN_KEY).get('/v1/budgets');
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(res.json.error.message).toContain('cost services');
  });
});

describe('key rate limits', () => {
  it('creates a key with rpm and tpm limits and changes them with PATCH', async () => {
    const created = await admin.post('/v1/keys', { tenant: 'default', rpmLimit: 60, tpmLimit: 90_000 });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ rpmLimit: 60, tpmLimit: 90_000 });
    const plain = await admin.post('/v1/keys', { tenant: 'default' });
    expect(plain.json).toMatchObject({ rpmLimit: null, tpmLimit: null });

    const patched = await admin.call('PATCH', `/v1/keys/${created.json.id}`, {
      rpmLimit: 120,
      tpmLimit: null,
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toEqual({
      id: created.json.id,
      tenant: 'default',
      name: null,
      admin: false,
      allowedModels: null,
      rpmLimit: 120,
      tpmLimit: null,
      createdAt: created.json.createdAt,
      revokedAt: null,
    });
    const stored = await server.deps.metadata.apiKeys.listForTenant('default');
    expect(stored.find((k) => k.id === created.json.id)).toMatchObject({ rpmLimit: 120, tpmLimit: null });
  });

  it('refuses bad limits naming the field, non-admin callers, and keys of another tenant', async () => {
    for (const [field, value] of [
      ['rpmLimit', 0],
      ['tpmLimit', 1.5],
      ['rpmLimit', '60'],
    ] as const) {
      const res = await admin.post('/v1/keys', { tenant: 'default', [field]: value });
      expect(res.status).toBe(400);
      expect(res.json.error.message).toMatch(new RegExp(`^${field}: `));
    }
    expect((await app.call('PATCH', `/v1/keys/${appKeyId}`, { rpmLimit: 1_000 })).status).toBe(403);
    expect((await otherAdmin.call('PATCH', `/v1/keys/${appKeyId}`, { rpmLimit: 1 })).status).toBe(404);
    const named = await otherAdmin.call('PATCH', `/v1/keys/${appKeyId}`, { tenant: 'default', rpmLimit: 7 });
    // Admin keys manage keys of any tenant (as POST /v1/keys does), naming it.
    expect(named.json).toMatchObject({ id: appKeyId, tenant: 'default', rpmLimit: 7 });
    expect((await admin.call('PATCH', '/v1/keys/key_missing', { rpmLimit: 1 })).status).toBe(404);
  });
});
