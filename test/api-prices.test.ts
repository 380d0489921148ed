import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageRecord } from '../packages/server/src/ports/cost-repositories.js';
import { startNodeServer } from '../packages/server/src/runtime/node.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer, createTestEnv } from './support/test-server.js';

/** The price book API and cost recomputation over HTTP, on the real app and embedded stores. */

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let admin: ReturnType<typeof client>;
let alice: ReturnType<typeof client>;
let aliceKeyId: string;

const BOOK = {
  note: 'list prices',
  entries: [
    { model: 'gpt-4o', input: '2.50', cachedInput: '1.25', output: 10 },
    { model: 'text-embedding-3-small', input: '0.02', output: 0 },
    { target: 'vllm-a', gpuHour: '2.40', gpus: 2 },
  ],
};

beforeAll(async () => {
  server = await createInProcessServer();
  admin = client(server.fetch, server.baseURL, ADMIN_KEY);
  const created = (await admin.post('/v1/keys', { tenant: 'alice' })).json;
  alice = client(server.fetch, server.baseURL, created.key);
  aliceKeyId = created.id;
});
afterAll(() => server?.close());

describe('the price book API', () => {
  it('answers an empty book before any version is stored', async () => {
    const res = await alice.get('/v1/prices');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ version: null, effectiveFrom: null, entries: [] });
    expect((await alice.get('/v1/prices/versions')).json).toEqual({ data: [] });
  });

  it('lets only admin keys store a version', async () => {
    const res = await alice.post('/v1/prices', BOOK);
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('FORBIDDEN');
    expect((await admin.get('/v1/prices/versions')).json.data).toEqual([]);
  });

  it('refuses a bad book with a 400 naming each field, storing nothing', async () => {
    const res = await admin.post('/v1/prices', {
      entries: [
        { model: 'a', input: '0.0000001', output: 1 },
        { model: 'b', input: 1, output: 1, gpuHour: 1 },
        { input: 1, output: 1 },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('INVALID_REQUEST');
    expect(res.json.error.message).toMatch(/^entries\[0\]\.input: .*more than 6 decimals/);
    expect(res.json.error.details.issues.map((i: { field: string }) => i.field)).toEqual([
      'entries[0].input',
      'entries[1].input',
      'entries[1].output',
      'entries[2].target',
    ]);
    const duplicate = await admin.post('/v1/prices', {
      entries: [
        { model: 'a', input: 1, output: 1 },
        { model: 'a', input: 2, output: 2 },
      ],
    });
    expect(duplicate.status).toBe(400);
    expect(duplicate.json.error.details.issues[0].field).toBe('entries[1].model');
    expect(
      (await admin.post('/v1/prices', 'not json', { 'content-type': 'application/json' })).json.error.code,
    ).toBe('INVALID_JSON');
    expect((await admin.get('/v1/prices/versions')).json.data).toEqual([]);
  });

  it('stores version 1, shows prices in micros and dollars, and meters with it at once', async () => {
    const before = Date.now();
    const res = await admin.post('/v1/prices', BOOK);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ version: 1, source: 'api', note: 'list prices' });
    expect(res.json.createdBy).toMatch(/^key_/);
    expect(Date.parse(res.json.effectiveFrom)).toBeGreaterThanOrEqual(before - 1);
    expect(res.json.entries).toEqual([
      {
        model: 'gpt-4o',
        inputPerMillionMicros: 2_500_000,
        input: '2.500000',
        cachedInputPerMillionMicros: 1_250_000,
        cachedInput: '1.250000',
        outputPerMillionMicros: 10_000_000,
        output: '10.000000',
      },
      {
        model: 'text-embedding-3-small',
        inputPerMillionMicros: 20_000,
        input: '0.020000',
        outputPerMillionMicros: 0,
        output: '0.000000',
      },
      { target: 'vllm-a', gpuHourMicros: 2_400_000, gpuHour: '2.400000', gpus: 2 },
    ]);

    // The metering catalog reloaded with the write: no wait for its periodic refresh.
    const book = server.deps.costs?.prices.book();
    expect(book?.priceFor({ model: 'gpt-4o' }, { atMs: Date.now() })).toEqual({
      version: 1,
      entry: {
        model: 'gpt-4o',
        inputPerMillionMicros: 2_500_000,
        cachedInputPerMillionMicros: 1_250_000,
        outputPerMillionMicros: 10_000_000,
      },
    });

    expect((await alice.get('/v1/prices')).json).toEqual(res.json);
    expect((await alice.get('/v1/prices/versions/1')).json).toEqual(res.json);
    expect((await alice.get('/v1/prices/versions')).json.data).toEqual([res.json]);
  });

  it('answers 404 for a version that does not exist', async () => {
    for (const version of ['99', 'abc', '0', '1.5']) {
      const res = await alice.get(`/v1/prices/versions/${version}`);
      expect(res.status, version).toBe(404);
      expect(res.json.error.code).toBe('NOT_FOUND');
    }
  });

  it('keeps the current version in force until a new one takes effect', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    const res = await admin.post('/v1/prices', {
      effectiveFrom: tomorrow,
      entries: [{ model: 'gpt-4o', input: 2, output: 8 }],
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ version: 2, effectiveFrom: tomorrow });
    expect((await alice.get('/v1/prices')).json.version).toBe(1);
    const later = new Date(Date.now() + 2 * 86_400_000).toISOString();
    expect((await alice.get(`/v1/prices?at=${later}`)).json.version).toBe(2);
    expect(server.deps.costs?.prices.book().versionAt(Date.parse(later))?.version).toBe(2);
    const bad = await alice.get('/v1/prices?at=soon');
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.issues[0].field).toBe('at');
  });
});

describe('POST /v1/usage/recompute', () => {
  const JUNE = Date.parse('2026-06-10T00:00:00.000Z');
  const usage = (id: string, extra: Partial<UsageRecord>): UsageRecord => ({
    tenantId: 'alice',
    id,
    requestId: id,
    keyId: aliceKeyId,
    kind: 'chat',
    route: 'chat',
    routeVersion: 1,
    target: 'openai',
    targetKind: 'openai-compatible',
    model: 'gpt-4o',
    promptVersion: null,
    releaseId: null,
    inputTokens: 0,
    cachedInputTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    usageSource: 'upstream',
    estimateMethod: null,
    gpuBusyUs: null,
    stream: false,
    outcome: 'ok',
    startedAtMs: JUNE,
    durationMs: 10,
    costMicros: 0,
    priceVersion: null,
    costBasis: 'unpriced',
    ...extra,
  });
  const body = { from: '2026-06-01', to: '2026-07-01', priceVersion: 2, tenant: 'alice' };

  beforeAll(async () => {
    await server.deps.metadata.ledger.append([
      // recorded before any price was set: unpriced at zero
      usage('req_1', { inputTokens: 1000, cachedInputTokens: 0, outputTokens: 500 }),
      usage('req_2', { target: 'vllm-a', model: 'llama', outputTokens: 99, gpuBusyUs: 1_800_000 }),
    ]);
  });

  it('is for admin keys only', async () => {
    const res = await alice.post('/v1/usage/recompute', body);
    expect(res.status).toBe(403);
  });

  it('refuses a bad period or an unknown version or tenant, naming the field', async () => {
    const backwards = await admin.post('/v1/usage/recompute', { ...body, to: '2026-05-01' });
    expect(backwards.status).toBe(400);
    expect(backwards.json.error.details.issues[0].field).toBe('to');
    const missing = await admin.post('/v1/usage/recompute', { from: 'june', to: '2026-07-01' });
    expect(missing.json.error.details.issues.map((i: { field: string }) => i.field)).toEqual([
      'from',
      'priceVersion',
    ]);
    const unknown = await admin.post('/v1/usage/recompute', { ...body, priceVersion: 42 });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.details.issues[0].field).toBe('priceVersion');
    expect((await admin.post('/v1/usage/recompute', { ...body, tenant: 'nobody' })).status).toBe(404);
  });

  it('recomputes the named tenant under the version, keeping the originals', async () => {
    const v2 = await admin.post('/v1/usage/recompute', body);
    expect(v2.status).toBe(200);
    // 1000 x $2 + 500 x $8 per million = 6000 micros; version 2 has no price for target vllm-a
    expect(v2.json).toEqual({
      tenant: 'alice',
      from: '2026-06-01T00:00:00.000Z',
      to: '2026-07-01T00:00:00.000Z',
      priceVersion: 2,
      records: 2,
      unpricedRecords: 1,
      costMicrosBefore: 0,
      costMicrosAfter: 6000,
      costBefore: '0.000000',
      costAfter: '0.006000',
    });
    // version 1: 1000 x $2.50 + 500 x $10 = 7500; 1.8 s x 2 GPUs x $2.40/h = 2400
    const v1 = await admin.post('/v1/usage/recompute', { ...body, priceVersion: 1 });
    expect(v1.json).toMatchObject({ records: 2, unpricedRecords: 0, costMicrosAfter: 7500 + 2400 });

    const records = await server.deps.metadata.ledger.list({
      tenantId: 'alice',
      fromMs: Date.parse(body.from),
      toMs: Date.parse(body.to),
      limit: 10,
    });
    expect(records.map((r) => [r.id, r.costMicros, r.priceVersion, r.costBasis])).toEqual([
      ['req_1', 0, null, 'unpriced'],
      ['req_2', 0, null, 'unpriced'],
    ]);
  });

  it('defaults to the caller’s own tenant', async () => {
    const res = await admin.post('/v1/usage/recompute', { ...body, tenant: undefined });
    expect(res.json).toMatchObject({ tenant: 'default', records: 0, costMicrosAfter: 0 });
  });
});

describe('config-file prices', () => {
  const yaml = (gptInput: string) => `
targets:
  - { id: vllm-a, kind: vllm, model: llama, baseURL: "http://vllm-a.test/v1" }
routes:
  - { name: llama, targets: [{ ref: vllm-a }] }
prices:
  - { model: gpt-4o, input: "${gptInput}", output: "10.00" }
  - { target: vllm-a, gpuHour: "2.40" }
`;

  it('are versioned at startup once, again only when they change, and priced at once', async () => {
    const testEnv = await createTestEnv();
    const start = (file: string) => startNodeServer({ env: { ...testEnv.env, RAGLINE_CONFIG_YAML: file } });
    try {
      const versions = async (url: string) =>
        (await client(fetch, url, ADMIN_KEY).get('/v1/prices/versions')).json.data.map(
          (v: { version: number; source: string; entries: { input?: string }[] }) => [
            v.version,
            v.source,
            v.entries[0]?.input,
          ],
        );
      // A start without the section leaves the book alone (and registers the admin key, which two
      // instances starting together on an empty store would both try to insert).
      const bare = await startNodeServer({ env: testEnv.env });
      expect(await versions(bare.url)).toEqual([]);
      await bare.close();
      // two instances starting together on one data dir store one version
      const [first, twin] = await Promise.all([start(yaml('2.50')), start(yaml('2.50'))]);
      expect(await versions(first.url)).toEqual([[1, 'config', '2.500000']]);
      expect(first.deps.costs?.prices.book().versionAt(Date.now())?.version).toBe(1);
      await Promise.all([first.close(), twin.close()]);

      const same = await start(yaml('2.5'));
      expect(await versions(same.url)).toEqual([[1, 'config', '2.500000']]);
      await same.close();

      const changed = await start(yaml('2.00'));
      expect(await versions(changed.url)).toEqual([
        [1, 'config', '2.500000'],
        [2, 'config', '2.000000'],
      ]);
      const current = (await client(fetch, changed.url, ADMIN_KEY).get('/v1/prices')).json;
      expect(current).toMatchObject({ version: 2, source: 'config', createdBy: null });
      expect(
        changed.deps.costs?.prices.book().priceFor({ model: 'gpt-4o' }, { atMs: Date.now() })?.version,
      ).toBe(2);
      await changed.close();
    } finally {
      await testEnv.cleanup();
    }
  });
});
