import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectionRow } from '../packages/server/src/ports/metadata-store.js';
import { queryCollection } from '../packages/server/src/services/retrieve/query-collection.js';
import { client } from './support/http.js';
import { recordPassingRun } from './support/passing-eval-run.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

/** The model registry and releases over HTTP, on the real app with embedded libSQL and LanceDB. */

const CONFIG = `
targets:
  - { id: vllm-1, kind: vllm, model: meta-llama/Llama-3.1-8B-Instruct, baseURL: "http://vllm-1.test/v1" }
  - { id: vllm-2, kind: vllm, model: meta-llama/Llama-3.1-8B-Instruct, baseURL: "http://vllm-2.test/v1" }
  - { id: trtllm, kind: trtllm, model: Llama-3.1-8B-Instruct, baseURL: "http://trtllm.test/v1" }
  - { id: openai, kind: openai-compatible, model: gpt-4o-mini, baseURL: "http://openai.test/v1" }
pools:
  - { id: llama-pool, replicas: [vllm-1, vllm-2], placement: round-robin }
routes:
  - { name: chat, targets: [{ ref: openai }] }
`;

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let admin: ReturnType<typeof client>;
let acme: ReturnType<typeof client>;
let other: ReturnType<typeof client>;
let limited: ReturnType<typeof client>;

const put = (api: ReturnType<typeof client>, path: string, body: unknown) => api.call('PUT', path, body);

beforeAll(async () => {
  server = await createInProcessServer({ env: { RAGLINE_CONFIG_YAML: CONFIG } });
  admin = client(server.fetch, server.baseURL, ADMIN_KEY);
  const key = async (body: object) => (await admin.post('/v1/keys', body)).json.key as string;
  acme = client(server.fetch, server.baseURL, await key({ tenant: 'acme' }));
  other = client(server.fetch, server.baseURL, await key({ tenant: 'other' }));
  limited = client(server.fetch, server.baseURL, await key({ tenant: 'acme', allowedModels: ['chat'] }));
  const prices = await admin.post('/v1/prices', {
    entries: [
      { model: 'gpt-4o-mini', input: '0.15', output: '0.60' },
      { target: 'vllm-1', gpuHour: '2.40' },
      { model: 'sql-lora', input: '0.05', output: '0.10' },
    ],
  });
  expect(prices.status).toBe(201);
});
afterAll(() => server?.close());

describe('the model registry', () => {
  it('stores a LoRA version on a pool with its base model, lineage and price link', async () => {
    const res = await acme.post('/v1/registry/models/sql-assistant/versions', {
      spec: { pool: 'llama-pool', adapter: 'sql-lora' },
      lineage: { fineTuneJob: 'ftjob_7', dataset: 'sql-pairs@3', evalRuns: ['eval_1'] },
      message: 'first adapter',
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      name: 'sql-assistant',
      version: 1,
      spec: { pool: 'llama-pool', baseModel: 'meta-llama/Llama-3.1-8B-Instruct', adapter: 'sql-lora' },
      lineage: { fineTuneJob: 'ftjob_7', dataset: 'sql-pairs@3', evalRuns: ['eval_1'] },
      message: 'first adapter',
      aliases: ['latest'],
    });
    // vllm-1 is priced by its GPU-hour entry (target wins); vllm-2 by the adapter's token price.
    expect(res.json.price).toEqual({
      priceVersion: 1,
      targets: [
        {
          target: 'vllm-1',
          model: 'sql-lora',
          price: { target: 'vllm-1', gpuHourMicros: 2_400_000, gpuHour: '2.400000' },
        },
        {
          target: 'vllm-2',
          model: 'sql-lora',
          price: expect.objectContaining({ model: 'sql-lora', inputPerMillionMicros: 50_000 }),
        },
      ],
    });
  });

  it('stores a route version, pinning the route version current at creation', async () => {
    const res = await acme.post('/v1/registry/models/sql-assistant/versions', { spec: { route: 'chat' } });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      version: 2,
      spec: { route: 'chat', routeVersion: 1, source: 'config' },
      lineage: { fineTuneJob: null, dataset: null, evalRuns: [] },
      aliases: ['latest'],
    });
    expect(res.json.price.targets).toEqual([
      { target: 'openai', model: 'gpt-4o-mini', price: expect.objectContaining({ model: 'gpt-4o-mini' }) },
    ]);
    const versions = (await acme.get('/v1/registry/models/sql-assistant/versions')).json.data;
    expect(versions.map((v: { version: number; aliases: string[] }) => [v.version, v.aliases])).toEqual([
      [1, []],
      [2, ['latest']],
    ]);
  });

  it('refuses specs the gateway cannot serve, naming the field', async () => {
    const cases: [object, number, RegExp][] = [
      [{ target: 'trtllm', adapter: 'x' }, 400, /^spec\.adapter: "trtllm" is a "trtllm" target/],
      [{ target: 'nope' }, 400, /^spec\.target: unknown target "nope"/],
      [{ target: 'llama-pool' }, 400, /"llama-pool" is a pool: use spec\.pool/],
      [
        { target: 'openai', baseModel: 'gpt-5' },
        400,
        /^spec\.baseModel: target "openai" serves "gpt-4o-mini"/,
      ],
      [{ route: 'chat', target: 'openai' }, 400, /^spec\.target: give exactly one of route, target or pool/],
      [{ route: 'chat', adapter: 'x' }, 400, /^spec\.adapter: only with target or pool/],
      [{ route: 'missing' }, 404, /^spec\.route: route "missing" does not exist/],
      [{ route: 'chat', routeVersion: 9 }, 404, /^spec\.routeVersion: route "chat" has no version 9/],
    ];
    for (const [spec, status, message] of cases) {
      const res = await acme.post('/v1/registry/models/broken/versions', { spec });
      expect([res.status, res.json.error.message]).toEqual([status, expect.stringMatching(message)]);
    }
    expect((await acme.get('/v1/registry/models/broken')).status).toBe(404);
  });

  it('leaves GET /v1/models as the OpenAI list of routes', async () => {
    const res = await acme.get('/v1/models');
    expect(res.json).toEqual({
      object: 'list',
      data: [{ id: 'chat', object: 'model', created: 0, owned_by: 'ragline' }],
    });
  });

  it('moves champion and challenger aliases, rolls back, and keeps the history', async () => {
    const alias = (name: string, version: number) =>
      put(acme, `/v1/registry/models/sql-assistant/aliases/${name}`, { version });
    const first = await alias('champion', 1);
    expect(first.json).toMatchObject({
      alias: 'champion',
      version: 1,
      previousVersion: null,
      moved: true,
      decision: { allowed: true },
    });
    await alias('challenger', 2);
    expect((await acme.get('/v1/registry/models/sql-assistant?alias=champion')).json.version).toBe(1);
    expect((await alias('champion', 2)).json).toMatchObject({ version: 2, previousVersion: 1 });
    expect((await alias('champion', 1)).json).toMatchObject({ version: 1, previousVersion: 2 });
    expect((await alias('champion', 1)).json).toMatchObject({ moved: false, decision: null });
    expect((await acme.get('/v1/registry/models')).json.data).toEqual([
      {
        name: 'sql-assistant',
        latestVersion: 2,
        aliases: { challenger: 2, champion: 1 },
        updatedAt: expect.any(String),
      },
    ]);
    const history = (await acme.get('/v1/registry/models/sql-assistant/aliases/history?alias=champion')).json
      .data;
    expect(
      history.map((m: { fromVersion: number | null; toVersion: number }) => [m.fromVersion, m.toVersion]),
    ).toEqual([
      [2, 1],
      [1, 2],
      [null, 1],
    ]);
    expect((await alias('champion', 7)).status).toBe(404);
    expect((await alias('latest', 1)).status).toBe(400);
    expect((await acme.get('/v1/registry/models/sql-assistant?alias=nope')).json.error.message).toBe(
      'model "sql-assistant" has no alias "nope"',
    );
  });

  it('links eval runs to a version after the fact', async () => {
    const res = await acme.post('/v1/registry/models/sql-assistant/versions/1/eval-runs', {
      evalRun: 'eval_2',
    });
    expect(res.status).toBe(201);
    expect(res.json.lineage.evalRuns).toEqual(['eval_1', 'eval_2']);
    expect(
      (await acme.post('/v1/registry/models/sql-assistant/versions/1/eval-runs', { evalRun: 'eval_2' }))
        .status,
    ).toBe(200);
    expect(
      (await acme.post('/v1/registry/models/sql-assistant/versions/9/eval-runs', { evalRun: 'e' })).status,
    ).toBe(404);
  });

  it('keeps tenants apart and limits keys with a model allow-list', async () => {
    expect((await other.get('/v1/registry/models')).json.data).toEqual([]);
    expect((await other.get('/v1/registry/models/sql-assistant')).status).toBe(404);
    const target = await limited.post('/v1/registry/models/mine/versions', { spec: { target: 'openai' } });
    expect([target.status, target.json.error.code]).toEqual([403, 'FORBIDDEN']);
    expect(
      (await limited.post('/v1/registry/models/mine/versions', { spec: { route: 'chat' } })).status,
    ).toBe(201);
  });
});

describe('releases', () => {
  let collection: CollectionRow;

  beforeAll(async () => {
    expect(
      (await acme.post('/v1/prompts/answer/versions', { template: 'Use {{context}} to answer {{question}}' }))
        .status,
    ).toBe(201);
    expect(
      (
        await acme.post('/v1/prompts/answer/versions', {
          template: 'Answer briefly: {{question}} ({{context}})',
        })
      ).status,
    ).toBe(201);
    expect((await put(acme, '/v1/prompts/answer/labels/production', { version: 1 })).status).toBe(200);
    expect((await acme.post('/v1/collections', { name: 'handbook', embedder: 'local' })).status).toBe(201);
    const ingest = await acme.post('/v1/collections/handbook/documents', {
      documents: [
        { id: 'refunds', text: 'Refunds are accepted within 30 days of purchase.' },
        { id: 'shipping', text: 'Orders ship from Lisbon within two working days.' },
      ],
    });
    expect(ingest.status).toBeLessThan(300);
    collection = (await server.deps.metadata.collections.getByName('acme', 'handbook')) as CollectionRow;
  });

  const create = (body: object) => acme.post('/v1/releases', body);
  const basic = {
    prompt: { name: 'answer', label: 'production' },
    model: { route: 'chat' },
    retrieval: { collection: 'handbook' },
  };

  it('creates a content-addressed release (201), then finds the same one for the same pins (200)', async () => {
    const first = await create(basic);
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      id: expect.stringMatching(/^rel_[0-9a-f]{24}$/),
      created: true,
      labels: [],
      pins: {
        prompt: { name: 'answer', version: 1 },
        model: { route: 'chat', routeVersion: 1, source: 'config' },
        retrieval: {
          collection: 'handbook',
          mode: 'hybrid',
          topK: 8,
          fusion: { k: 60, denseWeight: 1, lexicalWeight: 1 },
        },
        collection: { name: 'handbook', version: expect.stringMatching(/^\d+$/), id: collection.id },
      },
    });
    const same = await create({
      retrieval: { fusion: { lexicalWeight: 1, k: 60 }, topK: 8, mode: 'hybrid', collection: 'handbook' },
      collection: { version: first.json.pins.collection.version },
      model: { routeVersion: 1, route: 'chat' },
      prompt: { version: 1, name: 'answer' },
    });
    expect([same.status, same.json.id, same.json.created]).toEqual([200, first.json.id, false]);
    const changed = await create({ ...basic, retrieval: { collection: 'handbook', topK: 3 } });
    expect(changed.status).toBe(201);
    expect(changed.json.id).not.toBe(first.json.id);
    expect((await acme.get(`/v1/releases/${first.json.id}`)).json.pins).toEqual(first.json.pins);
  });

  it('pins a registry model by alias, resolved to its version at creation', async () => {
    const res = await create({ ...basic, model: { name: 'sql-assistant', alias: 'champion' } });
    expect(res.status).toBe(201);
    expect(res.json.pins.model).toEqual({ name: 'sql-assistant', version: 1 });
  });

  it('answers 404 and 400 naming the pin that does not exist', async () => {
    const cases: [object, number, RegExp][] = [
      [
        { ...basic, prompt: { name: 'answer', label: 'canary' } },
        404,
        /prompt "answer" has no label "canary"/,
      ],
      [
        { ...basic, model: { name: 'sql-assistant', alias: 'nope' } },
        404,
        /model "sql-assistant" has no alias "nope"/,
      ],
      [{ ...basic, model: { route: 'nope' } }, 404, /^model\.route: /],
      [{ ...basic, retrieval: { collection: 'nope' } }, 404, /collection "nope" does not exist/],
      [{ ...basic, collection: { version: '100000' } }, 404, /^collection\.version: .*no version 100000/],
      [{ ...basic, retrieval: { collection: 'handbook', topK: 0 } }, 400, /^retrieval\.topK: /],
      [
        { ...basic, prompt: { name: 'answer', version: 1, label: 'production' } },
        400,
        /^prompt\.label: give version or label/,
      ],
    ];
    for (const [body, status, message] of cases) {
      const res = await create(body);
      expect([res.status, res.json.error.message]).toEqual([status, expect.stringMatching(message)]);
    }
    expect((await other.post('/v1/releases', basic)).status).toBe(404);
  });

  it('answers from the pinned collection version after new ingests', async () => {
    const pinned = (await create(basic)).json.pins.collection.version as string;
    await acme.post('/v1/collections/handbook/documents', {
      documents: [{ id: 'refunds', text: 'Refunds are accepted within 60 days of purchase.' }],
    });
    const search = async (version?: string) =>
      (
        await queryCollection(server.deps, collection, {
          query: 'refund days',
          topK: 1,
          ...(version && { version }),
        })
      ).results[0]?.text;
    expect(await search(pinned)).toBe('Refunds are accepted within 30 days of purchase.');
    expect(await search()).toBe('Refunds are accepted within 60 days of purchase.');
    const newer = await create(basic);
    expect(newer.status).toBe(201);
    expect(newer.json.pins.collection.version).not.toBe(pinned);
  });

  it('moves labels with history, rolls back, and resolves a label on GET', async () => {
    const [r1, r2] = [
      (await create(basic)).json.id,
      (await create({ ...basic, retrieval: { collection: 'handbook', topK: 3 } })).json.id,
    ];
    const label = (name: string, release: string) => put(acme, `/v1/releases/labels/${name}`, { release });
    // `production` is gated: both releases get a passing eval run first
    await recordPassingRun((method, path, body) => acme.call(method, path, body), r1);
    await recordPassingRun((method, path, body) => acme.call(method, path, body), r2);
    expect((await label('production', r1)).json).toMatchObject({
      release: r1,
      previousRelease: null,
      moved: true,
    });
    expect((await label('staging', r2)).status).toBe(200);
    expect((await label('production', 'staging')).json).toMatchObject({ release: r2, previousRelease: r1 });
    expect((await acme.get('/v1/releases/production')).json.id).toBe(r2);
    expect((await label('production', r1)).json).toMatchObject({ release: r1, previousRelease: r2 });
    expect((await acme.get('/v1/releases/production')).json).toMatchObject({
      id: r1,
      labels: ['production'],
    });
    expect(
      (await acme.get('/v1/releases/labels')).json.data.map((l: { label: string; release: string }) => [
        l.label,
        l.release,
      ]),
    ).toEqual([
      ['production', r1],
      ['staging', r2],
    ]);
    const history = (await acme.get('/v1/releases/labels/production/history')).json.data;
    expect(
      history.map((m: { fromRelease: string | null; toRelease: string }) => [m.fromRelease, m.toRelease]),
    ).toEqual([
      [r2, r1],
      [r1, r2],
      [null, r1],
    ]);
    expect(history[0].decision.allowed).toBe(true);
    expect((await label('labels', r1)).status).toBe(400);
    expect((await label('canary', 'rel_000000000000000000000000')).status).toBe(404);
    expect((await other.get('/v1/releases/production')).status).toBe(404);
    expect((await other.get(`/v1/releases/${r1}`)).status).toBe(404);
  });

  it('lists releases newest first, in pages', async () => {
    const all = (await acme.get('/v1/releases?limit=100')).json;
    expect(all.data.length).toBeGreaterThanOrEqual(4);
    expect(all.nextBefore).toBeNull();
    const page = (await acme.get('/v1/releases?limit=2')).json;
    expect(page.data.map((r: { id: string }) => r.id)).toEqual(
      all.data.slice(0, 2).map((r: { id: string }) => r.id),
    );
    const next = (await acme.get(`/v1/releases?limit=2&before=${page.nextBefore}`)).json;
    expect(next.data[0].id).toBe(all.data[2].id);
    expect((await acme.get('/v1/releases?limit=0')).status).toBe(400);
    expect((await other.get('/v1/releases')).json.data).toEqual([]);
  });
});
