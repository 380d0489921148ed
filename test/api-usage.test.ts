import { Ragline } from '@ragline/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageRecord } from '../packages/server/src/ports/cost-repositories.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let admin: ReturnType<typeof client>;
let acmeAdmin: ReturnType<typeof client>;
let app1: ReturnType<typeof client>;
let app2: ReturnType<typeof client>;
let globex: ReturnType<typeof client>;
const ids = { acmeAdmin: '', app1: '', app2: '', globex: '' };
const secrets = { acmeAdmin: '', app1: '' };

const MARCH_1 = Date.UTC(2026, 2, 1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MARCH = 'from=2026-03-01&to=2026-03-31';

let n = 0;
function record(extra: Partial<UsageRecord>): UsageRecord {
  n += 1;
  const id = `req_usage_${n}`;
  return {
    tenantId: 'acme',
    id,
    requestId: id,
    keyId: ids.app1,
    kind: 'chat',
    route: 'chat',
    routeVersion: 1,
    target: 'vllm-a',
    targetKind: 'openai-compatible',
    model: 'llama',
    promptVersion: null,
    releaseId: null,
    inputTokens: 1000,
    cachedInputTokens: 100,
    outputTokens: 200,
    reasoningTokens: 0,
    usageSource: 'upstream',
    estimateMethod: null,
    gpuBusyUs: null,
    stream: false,
    outcome: 'ok',
    startedAtMs: MARCH_1 + HOUR,
    durationMs: 30,
    costMicros: 1_000_001,
    priceVersion: 1,
    costBasis: 'tokens',
    ...extra,
  };
}

let acmeMarch: UsageRecord[];

beforeAll(async () => {
  server = await createInProcessServer();
  admin = client(server.fetch, server.baseURL, ADMIN_KEY);
  const created = async (body: object) => (await admin.post('/v1/keys', body)).json;
  const a = await created({ tenant: 'acme', admin: true, name: 'finance' });
  const k1 = await created({ tenant: 'acme', name: 'app-1' });
  const k2 = await created({ tenant: 'acme', name: 'app-2' });
  const g = await created({ tenant: 'globex' });
  Object.assign(ids, { acmeAdmin: a.id, app1: k1.id, app2: k2.id, globex: g.id });
  Object.assign(secrets, { acmeAdmin: a.key, app1: k1.key });
  acmeAdmin = client(server.fetch, server.baseURL, a.key);
  app1 = client(server.fetch, server.baseURL, k1.key);
  app2 = client(server.fetch, server.baseURL, k2.key);
  globex = client(server.fetch, server.baseURL, g.key);

  acmeMarch = [
    record({ model: 'llama', costMicros: 1_000_001 }),
    record({
      model: 'llama',
      costMicros: 2_500_000,
      startedAtMs: MARCH_1 + DAY + HOUR,
      usageSource: 'estimated',
    }),
    record({ model: 'gpt-4o', costMicros: 333, keyId: ids.app2, outputTokens: 7, reasoningTokens: 3 }),
    record({ model: 'gpt-4o', costMicros: 0, keyId: ids.app2, costBasis: 'unpriced', priceVersion: null }),
    // the last moment of March 31 belongs to the window `to=2026-03-31`
    record({ model: 'llama', costMicros: 9, startedAtMs: Date.UTC(2026, 3, 1) - 1 }),
  ];
  await server.deps.metadata.ledger.append([
    ...acmeMarch,
    record({ model: 'llama', costMicros: 77, startedAtMs: Date.UTC(2026, 3, 1) }), // April: outside
    record({ tenantId: 'globex', keyId: ids.globex, model: 'llama', costMicros: 123_456_789 }),
  ]);
});
afterAll(() => server?.close());

describe('GET /v1/usage', () => {
  it('groups by model and day with exact costs and totals (admin key: every key of the tenant)', async () => {
    const res = await acmeAdmin.get(`/v1/usage?${MARCH}&group_by=model,day`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
      groupBy: ['model', 'day'],
      tenant: 'acme',
      key: null,
      priceVersion: null,
    });
    expect(res.json.groups).toEqual([
      {
        model: 'gpt-4o',
        day: '2026-03-01',
        requests: 2,
        inputTokens: 2000,
        cachedInputTokens: 200,
        outputTokens: 207,
        reasoningTokens: 3,
        costMicros: 333,
        cost: '0.000333',
        estimatedRequests: 0,
        unpricedRequests: 1,
      },
      expect.objectContaining({ model: 'llama', day: '2026-03-01', requests: 1, cost: '1.000001' }),
      expect.objectContaining({ model: 'llama', day: '2026-03-02', requests: 1, estimatedRequests: 1 }),
      expect.objectContaining({ model: 'llama', day: '2026-03-31', requests: 1, costMicros: 9 }),
    ]);
    const total = acmeMarch.reduce((sum, r) => sum + r.costMicros, 0);
    expect(res.json.totals).toMatchObject({ requests: 5, costMicros: total, cost: '3.500343' });
    expect(total).toBe(3_500_343);
  });

  it('takes group_by as a comma list or repeated, and totals alone without it', async () => {
    const comma = await acmeAdmin.get(`/v1/usage?${MARCH}&group_by=key,kind`);
    const repeated = await acmeAdmin.get(`/v1/usage?${MARCH}&group_by=key&group_by=kind`);
    expect(repeated.json.groups).toEqual(comma.json.groups);
    expect(comma.json.groups.map((g: { key: string }) => g.key).sort()).toEqual([ids.app1, ids.app2].sort());
    const totalsOnly = await acmeAdmin.get(`/v1/usage?${MARCH}`);
    expect(totalsOnly.json.groupBy).toEqual([]);
    expect(totalsOnly.json.groups).toEqual([expect.objectContaining({ requests: 5 })]);
  });

  it('shows a non-admin key its own usage only', async () => {
    const own = await app2.get(`/v1/usage?${MARCH}&group_by=key`);
    expect(own.status).toBe(200);
    expect(own.json.key).toBe(ids.app2);
    expect(own.json.groups).toEqual([
      expect.objectContaining({ key: ids.app2, requests: 2, costMicros: 333 }),
    ]);
    const other = await app2.get(`/v1/usage?${MARCH}&key=${ids.app1}`);
    expect(other.status).toBe(403);
    expect(other.json.error.message).toMatch(/^key: /);
    expect((await app1.get(`/v1/usage?${MARCH}&tenant=globex`)).status).toBe(403);
    // an admin key narrows to one key of its tenant
    const narrowed = await acmeAdmin.get(`/v1/usage?${MARCH}&key=${ids.app1}`);
    expect(narrowed.json.totals.requests).toBe(3);
  });

  it('never shows one tenant another tenant’s usage; an operator admin key reads it by name', async () => {
    const g = await globex.get(`/v1/usage?${MARCH}&group_by=model`);
    expect(g.json.groups).toEqual([expect.objectContaining({ model: 'llama', costMicros: 123_456_789 })]);
    expect(
      (await globex.get(`/v1/usage/records?${MARCH}`)).json.data.map((r: { id: string }) => r.id),
    ).toEqual([expect.any(String)]);
    const byName = await admin.get(`/v1/usage?${MARCH}&tenant=acme`);
    expect(byName.json).toMatchObject({ tenant: 'acme', totals: { requests: 5 } });
    const own = await admin.get(`/v1/usage?${MARCH}`);
    expect(own.json).toMatchObject({ tenant: 'default', totals: { requests: 0, cost: '0.000000' } });
    expect((await admin.get('/v1/usage?tenant=nobody')).status).toBe(404);
  });

  it('defaults to the last 7 days and reads relative and ISO times', async () => {
    const now = Date.now();
    await server.deps.metadata.ledger.append([
      record({ id: 'req_recent', startedAtMs: now - HOUR, costMicros: 11 }),
      record({ id: 'req_old', startedAtMs: now - 8 * DAY, costMicros: 22 }),
    ]);
    expect((await app1.get('/v1/usage')).json.totals.costMicros).toBe(11);
    expect((await app1.get('/v1/usage?from=9d')).json.totals.costMicros).toBe(33);
    expect((await app1.get('/v1/usage?from=30m')).json.totals.costMicros).toBe(0);
    const iso = new Date(now - 2 * HOUR).toISOString();
    expect((await app1.get(`/v1/usage?from=${iso}&to=now`)).json.totals.costMicros).toBe(11);
  });

  it('includes this instance’s queued records: they are flushed before the report', async () => {
    const costs = server.deps.costs;
    if (!costs) throw new Error('the test server has no cost services');
    costs.ledger.write(
      record({ id: 'req_queued', keyId: ids.app2, startedAtMs: MARCH_1 + 2 * HOUR, costMicros: 5 }),
    );
    expect(costs.ledger.pending()).toBe(1);
    const res = await app2.get(`/v1/usage?${MARCH}`);
    expect(res.json.totals).toMatchObject({ requests: 3, costMicros: 338 });
    expect(costs.ledger.pending()).toBe(0);
  });

  it('reports recomputed costs under a price version, records without one as unpriced', async () => {
    const latest = (await server.deps.metadata.prices.list()).at(-1)?.version ?? null;
    const version = await server.deps.metadata.prices.append(
      {
        effectiveFrom: '2026-01-01T00:00:00.000Z',
        entries: [],
        source: 'api',
        note: null,
        createdAt: '2026-01-01T00:00:00.000Z',
        createdBy: null,
      },
      latest,
    );
    if (!version) throw new Error('could not store a price version');
    const [llama] = acmeMarch;
    await server.deps.metadata.ledger.putRecomputed([
      {
        tenantId: 'acme',
        recordId: llama?.id ?? '',
        priceVersion: version.version,
        costMicros: 42,
        costBasis: 'tokens',
        computedAt: '2026-04-02T00:00:00.000Z',
      },
    ]);
    const res = await acmeAdmin.get(
      `/v1/usage?from=2026-03-01&to=2026-03-01&price_version=${version.version}`,
    );
    expect(res.json.priceVersion).toBe(version.version);
    // March 1: three seeded records and the queued one; only one has a recomputed cost
    expect(res.json.totals).toMatchObject({ requests: 4, costMicros: 42, unpricedRequests: 3 });
  });

  it('answers CSV for format=csv or Accept: text/csv, quoting per RFC 4180', async () => {
    await server.deps.metadata.ledger.append([
      record({
        id: 'req_csv',
        model: 'acme "big", v2',
        startedAtMs: Date.UTC(2026, 4, 1),
        costMicros: 1_500_000,
      }),
    ]);
    const query = '/v1/usage?from=2026-05-01&to=2026-05-01&group_by=model,day';
    const byFormat = await acmeAdmin.get(`${query}&format=csv`);
    expect(byFormat.status).toBe(200);
    expect(byFormat.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(byFormat.json).toBe(
      'model,day,requests,inputTokens,cachedInputTokens,outputTokens,reasoningTokens,costMicros,cost,estimatedRequests,unpricedRequests\r\n' +
        '"acme ""big"", v2",2026-05-01,1,1000,100,200,0,1500000,1.500000,0,0\r\n',
    );
    const byAccept = await acmeAdmin.call('GET', query, undefined, { accept: 'text/csv' });
    expect(byAccept.json).toBe(byFormat.json);
    const json = await acmeAdmin.call('GET', `${query}&format=json`, undefined, { accept: 'text/csv' });
    expect(json.headers.get('content-type')).toMatch(/json/);
  });

  it.each([
    ['group_by=bogus', 'group_by'],
    ['group_by=model,,nope', 'group_by'],
    ['from=yesterday', 'from'],
    ['from=2026-02-30', 'from'],
    ['to=2026-03-01T10:00:00', 'to'],
    ['from=2026-03-02&to=2026-03-01T00:00:00Z', 'to'],
    ['price_version=0', 'price_version'],
    ['price_version=1.5', 'price_version'],
    ['price_version=9999', 'price_version'],
    ['format=xml', 'format'],
    ['key=', 'key'],
  ])('answers 400 naming the field for %s', async (query, field) => {
    const res = await acmeAdmin.get(`/v1/usage?${query}`);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('INVALID_REQUEST');
    expect(res.json.error.message.startsWith(`${field}: `)).toBe(true);
  });
});

describe('GET /v1/usage/records', () => {
  it('pages the raw records oldest first, each once', async () => {
    const seen: { id: string; startedAt: string }[] = [];
    let after = '';
    for (let page = 0; page < 10; page++) {
      const res = await acmeAdmin.get(`/v1/usage/records?${MARCH}&limit=2${after ? `&after=${after}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.json.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.json.data);
      if (!res.json.nextCursor) break;
      after = res.json.nextCursor;
    }
    const march = await server.deps.metadata.ledger.list({
      tenantId: 'acme',
      fromMs: MARCH_1,
      toMs: Date.UTC(2026, 3, 1),
      limit: 100,
    });
    expect(seen.map((r) => r.id)).toEqual(march.map((r) => r.id));
    expect(seen.map((r) => r.startedAt)).toEqual([...seen.map((r) => r.startedAt)].sort());
    const [first] = (await app2.get(`/v1/usage/records?${MARCH}`)).json.data;
    expect(first).toMatchObject({
      key: ids.app2,
      model: 'gpt-4o',
      cost: '0.000333',
      startedAt: '2026-03-01T01:00:00.000Z',
    });
  });

  it('answers 400 for a bad limit or cursor', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['after=not-a-cursor', 'after'],
    ]) {
      const res = await acmeAdmin.get(`/v1/usage/records?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.json.error.message.startsWith(`${field}: `), query).toBe(true);
    }
  });
});

describe('SDK usage resource', () => {
  const sdk = (key: string) => new Ragline({ baseURL: server.baseURL, apiKey: key, fetch: server.fetch });

  it('summarises, exports CSV and iterates every record across pages', async () => {
    const finance = sdk(secrets.acmeAdmin);
    const summary = await finance.usage.summary({ from: '2026-03-01', to: '2026-03-31', groupBy: ['model'] });
    expect(summary.groups.map((g) => [g.model, g.requests])).toEqual([
      ['gpt-4o', 2],
      ['llama', 4],
    ]);
    const csv = await finance.usage.csv({ from: '2026-03-01', to: '2026-03-31', groupBy: ['model'] });
    expect(csv.split('\r\n')[1]).toMatch(/^gpt-4o,2,2000,/);
    const records = [];
    for await (const r of finance.usage.records({ from: new Date(MARCH_1), to: '2026-03-31', limit: 2 })) {
      records.push(r.id);
    }
    expect(records).toHaveLength(6);
    expect(new Set(records).size).toBe(6);
    const own = await sdk(secrets.app1).usage.summary({ from: '2026-03-01', to: '2026-03-31' });
    expect(own.key).toBe(ids.app1);
  });
});
