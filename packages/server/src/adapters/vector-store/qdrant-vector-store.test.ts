import { QdrantClient } from '@qdrant/js-client-rest';
import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../core/api-error.js';
import { querySparseVector } from '../../core/sparse-vector.js';
import { runVectorStoreContract } from '../../ports/vector-store.contract.js';
import {
  type ChunkRecord,
  type CollectionRef,
  CollectionVersionError,
  type VectorQuery,
  type VectorStore,
} from '../../ports/vector-store.js';
import { createQdrantFake } from '../../testing/qdrant-fake/qdrant-fake.js';
import { chunkPointId } from './qdrant-point-id.js';
import {
  createQdrantVectorStore,
  frozenAliasName,
  frozenCopyName,
  qdrantCollectionName,
} from './qdrant-vector-store.js';

const BASE_URL = 'http://qdrant.test:6333';
const fake = createQdrantFake({ baseUrl: BASE_URL });
const server = setupServer(...fake.handlers);
const noRetryDelay = { baseDelayMs: 0, sleep: async () => {} };

function fakeStore(overrides: Parameters<typeof createQdrantVectorStore>[0] = {}): VectorStore {
  return createQdrantVectorStore({
    url: BASE_URL,
    checkCompatibility: false,
    retry: noRetryDelay,
    ...overrides,
  });
}

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

runVectorStoreContract('qdrant (msw fake validating against the 1.19 OpenAPI spec)', async () => ({
  store: fakeStore(),
  missingVersionReason: 'unsupported',
  async cleanup() {
    const violations = [...fake.state.violations];
    fake.state.reset();
    expect(violations).toEqual([]);
  },
}));

const chunk = (
  documentId: string,
  chunkIndex: number,
  text: string,
  vector: number[],
  metadata = {},
): ChunkRecord => ({
  id: `${documentId}#${chunkIndex}`,
  documentId,
  chunkIndex,
  text,
  vector,
  metadata,
  headingPath: ['H'],
  start: 0,
  end: text.length,
});

describe('qdrant adapter requests', () => {
  const ref: CollectionRef = { tenantId: 'acme', key: 'c1', dimensions: 3 };
  const name = qdrantCollectionName('ragline_', ref);
  let store: VectorStore;

  beforeEach(async () => {
    fake.state.reset();
    store = fakeStore({ newVersionToken: () => 'v-token' });
    await store.ensureCollection(ref);
  });

  afterEach(() => fake.state.assertNoViolations());

  const requestsTo = (operationId: string) =>
    fake.state.requests.filter((r) => r.operationId === operationId);

  it('creates named dense/original/bm25(idf) vectors and the tenant and document payload indexes', () => {
    expect(name).toBe('ragline_acme-c1');
    const [create] = requestsTo('create_collection');
    expect(create?.path).toBe(`/collections/${name}`);
    expect(create?.body).toEqual({
      vectors: {
        dense: { size: 3, distance: 'Cosine' },
        original: { size: 3, distance: 'Dot', on_disk: true, hnsw_config: { m: 0 } },
      },
      sparse_vectors: { bm25: { modifier: 'idf' } },
    });
    expect(requestsTo('create_field_index').map((r) => [r.body, r.query])).toEqual([
      [{ field_name: 'tenant_id', field_schema: { type: 'keyword', is_tenant: true } }, { wait: 'true' }],
      [{ field_name: 'doc_id', field_schema: 'keyword' }, { wait: 'true' }],
    ]);
  });

  it('ensureCollection refuses an existing collection with other dimensions', async () => {
    await expect(store.ensureCollection({ ...ref, dimensions: 5 })).rejects.toThrow(
      /dense dimensions 3, not 5/,
    );
  });

  it('writes one batch: upsert with UUIDv5 ids, stale-chunk delete and version marker, waiting', async () => {
    await store.replaceDocuments(ref, ['d'], [chunk('d', 0, 'Running dogs', [1, 0, 0], { lang: 'en' })]);
    const index = requestsTo('create_field_index').at(-1);
    expect(index?.body).toEqual({ field_name: 'metadata.lang', field_schema: 'keyword' });
    const [batch] = requestsTo('batch_update');
    expect(batch?.query).toEqual({ wait: 'true' });
    const id = await chunkPointId('d#0');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const sparse = querySparseVector('run dog');
    expect(batch?.body).toMatchObject({
      operations: [
        {
          upsert: {
            points: [
              {
                id,
                vector: {
                  dense: [1, 0, 0],
                  original: [1, 0, 0],
                  bm25: { indices: sparse.indices, values: [expect.any(Number), expect.any(Number)] },
                },
                payload: {
                  tenant_id: 'acme',
                  chunk_id: 'd#0',
                  doc_id: 'd',
                  chunk_index: 0,
                  text: 'Running dogs',
                  heading_path: ['H'],
                  start: 0,
                  end: 12,
                  metadata: { lang: 'en' },
                },
              },
            ],
          },
        },
        {
          delete: {
            filter: {
              must: [
                { key: 'tenant_id', match: { value: 'acme' } },
                { key: 'doc_id', match: { any: ['d'] } },
              ],
              must_not: [{ has_id: [id] }],
            },
          },
        },
        { upsert: { points: [{ id: 0, vector: {}, payload: { ragline_version: 'v-token' } }] } },
      ],
    });
  });

  it('splits large writes into batches and deletes stale chunks only in the last one', async () => {
    const small = fakeStore({ batchSize: 2 });
    const chunks = [0, 1, 2, 3, 4].map((i) => chunk('d', i, `text ${i}`, [1, i, 0]));
    await small.replaceDocuments(ref, ['d'], chunks);
    const batches = requestsTo('batch_update').map((r) => (r.body as { operations: object[] }).operations);
    expect(batches.map((ops) => ops.map((op) => Object.keys(op)[0]))).toEqual([
      ['upsert'],
      ['upsert'],
      ['upsert', 'delete', 'upsert'],
    ]);
    expect(await small.countChunks(ref)).toBe(5);
  });

  it('sends the tenant condition with every query, count and delete', async () => {
    await store.replaceDocuments(ref, ['d'], [chunk('d', 0, 'alpha', [1, 0, 0], { n: 1 })]);
    const filter = { op: 'eq', field: 'n', value: 1 } as const;
    await store.query(ref, { mode: 'dense', vector: [1, 0, 0], topK: 3, filter });
    await store.query(ref, { mode: 'lexical', text: 'alpha', topK: 3 });
    await store.query(ref, { mode: 'hybrid', vector: [1, 0, 0], text: 'alpha', topK: 3, filter });
    await store.countChunks(ref);
    await store.deleteDocuments(ref, ['d']);
    const tenant = { key: 'tenant_id', match: { value: 'acme' } };
    const filters = [
      ...requestsTo('query_points').map((r) => (r.body as { filter: unknown }).filter),
      ...requestsTo('query_batch_points').flatMap((r) =>
        (r.body as { searches: { filter: unknown }[] }).searches.map((s) => s.filter),
      ),
      ...requestsTo('count_points').map((r) => (r.body as { filter: unknown }).filter),
      ...requestsTo('batch_update').flatMap((r) =>
        (r.body as { operations: { delete?: { filter: unknown } }[] }).operations
          .filter((op) => op.delete)
          .map((op) => op.delete?.filter),
      ),
    ];
    expect(filters).toHaveLength(7);
    for (const f of filters) expect((f as { must: unknown[] }).must[0]).toEqual(tenant);
    expect(requestsTo('query_points')[0]?.body).toMatchObject({
      using: 'dense',
      query: [1, 0, 0],
      limit: 3,
      with_payload: true,
      with_vector: false,
      filter: { must: [tenant, { key: 'metadata.n', range: { gte: 1, lte: 1 } }] },
    });
  });

  it('hybrid fetches both rankings in one batch query, max(topK * 2, 50) deep', async () => {
    await store.replaceDocuments(ref, ['d'], [chunk('d', 0, 'alpha', [1, 0, 0])]);
    await store.query(ref, {
      mode: 'hybrid',
      vector: [1, 0, 0],
      text: 'alpha',
      topK: 40,
      includeVectors: true,
    });
    const [batch] = requestsTo('query_batch_points');
    const { searches } = (batch?.body ?? { searches: [] }) as { searches: Record<string, unknown>[] };
    expect(searches.map((s) => [s.using, s.limit, s.with_vector])).toEqual([
      ['dense', 80, ['original']],
      ['bm25', 80, ['original']],
    ]);
    expect(searches[1]?.query).toEqual(querySparseVector('alpha'));
  });

  it('translates every filter operator to Qdrant conditions', async () => {
    await store.replaceDocuments(
      ref,
      ['d'],
      [chunk('d', 0, 'x', [1, 0, 0], { lang: 'en', year: 2020, draft: true })],
    );
    await store.query(ref, {
      mode: 'dense',
      vector: [1, 0, 0],
      topK: 1,
      filter: {
        op: 'and',
        filters: [
          { op: 'in', field: 'lang', values: ['en', 'de', 'en'] },
          { op: 'in', field: 'year', values: [2020, 2021] },
          { op: 'ne', field: 'draft', value: false },
          {
            op: 'or',
            filters: [
              { op: 'range', field: 'year', gt: 1, lte: 3000 },
              { op: 'eq', field: 'lang', value: 'x' },
            ],
          },
          { op: 'not', filter: { op: 'eq', field: 'draft', value: false } },
        ],
      },
    });
    const body = requestsTo('query_points')[0]?.body as { filter: { must: unknown[] } };
    expect(body.filter.must[1]).toEqual({
      must: [
        { key: 'metadata.lang', match: { any: ['en', 'de'] } },
        {
          should: [
            { key: 'metadata.year', range: { gte: 2020, lte: 2020 } },
            { key: 'metadata.year', range: { gte: 2021, lte: 2021 } },
          ],
        },
        { must_not: [{ key: 'metadata.draft', match: { value: false } }] },
        {
          should: [
            { key: 'metadata.year', range: { gt: 1, lte: 3000 } },
            { key: 'metadata.lang', match: { value: 'x' } },
          ],
        },
        { must_not: [{ key: 'metadata.draft', match: { value: false } }] },
      ],
    });
  });

  it('reads field types back from the payload indexes, so a new process still rejects a clash', async () => {
    await store.replaceDocuments(ref, ['d'], [chunk('d', 0, 'x', [1, 0, 0], { year: 2020 })]);
    expect(fake.state.collections.get(name)?.payloadSchema.get('metadata.year')).toEqual({
      data_type: 'float',
    });
    const other = fakeStore();
    await expect(
      other.replaceDocuments(ref, ['e'], [chunk('e', 0, 'y', [1, 0, 0], { year: 'x' })]),
    ).rejects.toMatchObject({
      name: 'MetadataTypeError',
      field: 'year',
    });
  });

  it('rejects bad input before sending anything', async () => {
    const before = fake.state.requests.length;
    await expect(store.replaceDocuments(ref, ['d'], [chunk('d', 0, 'x', [1, 0])])).rejects.toThrow(
      /3 dimensions/,
    );
    await expect(store.replaceDocuments(ref, ['d'], [chunk('e', 0, 'x', [1, 0, 0])])).rejects.toThrow(
      /not being replaced/,
    );
    await expect(store.query(ref, { mode: 'dense', vector: [1], topK: 1 })).rejects.toThrow(/3 dimensions/);
    await expect(
      store.query({ ...ref, dimensions: null }, { mode: 'dense', vector: [1], topK: 1 }),
    ).rejects.toThrow(/lexical-only/);
    expect(fake.state.requests.length).toBe(before);
  });
});

describe('qdrant adapter pinned versions', () => {
  const ref: CollectionRef = { tenantId: 'acme', key: 'pins', dimensions: 3 };
  const name = qdrantCollectionName('ragline_', ref);
  let store: VectorStore;
  let tokens = 0;

  beforeEach(async () => {
    fake.state.reset();
    store = fakeStore({ newVersionToken: () => `v${++tokens}` });
    await store.ensureCollection(ref);
    await store.replaceDocuments(
      ref,
      ['a', 'b'],
      [
        chunk('a', 0, 'old apple pie', [1, 0, 0], { lang: 'en' }),
        chunk('b', 0, 'banana bread', [0, 1, 0], { lang: 'en' }),
      ],
    );
  });

  afterEach(() => fake.state.assertNoViolations());

  const texts = (hits: { text: string }[]) => hits.map((h) => h.text).sort();

  it('freezes a retained version behind an alias and answers it after the collection changed', async () => {
    const pinned = await store.currentVersion(ref);
    await store.retainVersions(ref, [pinned]);
    const copy = frozenCopyName(name, pinned);
    const alias = frozenAliasName(name, pinned);
    expect(copy).toMatch(/^ragline_acme-pins\.v_[0-9a-f]{16}$/);
    expect(alias).toMatch(/^ragline_acme-pins@[0-9a-f]{16}$/);
    expect(fake.state.aliases.get(alias)).toBe(copy);
    const live = fake.state.collections.get(name);
    const frozen = fake.state.collections.get(copy);
    expect(frozen?.vectorsConfig).toEqual(live?.vectorsConfig);
    expect(frozen?.sparseConfig).toEqual(live?.sparseConfig);
    expect([...(frozen?.payloadSchema ?? [])]).toEqual([...(live?.payloadSchema ?? [])]);
    expect(frozen?.points.size).toBe(3); // two chunks and the version marker

    await store.replaceDocuments(ref, ['a', 'c'], [chunk('a', 0, 'new apricot tart', [1, 0, 0], { n: 1 })]);
    await store.deleteDocuments(ref, ['b']);
    const dense: VectorQuery = { mode: 'dense', vector: [1, 0, 0], topK: 5 };
    const lexical: VectorQuery = { mode: 'lexical', text: 'apple apricot banana', topK: 5 };
    const hybrid: VectorQuery = { mode: 'hybrid', vector: [0, 1, 0], text: 'apple apricot banana', topK: 5 };
    expect(texts(await store.query(ref, dense))).toEqual(['new apricot tart']);
    expect(texts(await store.query(ref, { ...dense, version: pinned }))).toEqual([
      'banana bread',
      'old apple pie',
    ]);
    expect(texts(await store.query(ref, { ...lexical, version: pinned }))).toEqual([
      'banana bread',
      'old apple pie',
    ]);
    const old = await store.query(ref, { ...hybrid, version: pinned, includeVectors: true });
    expect(old.map((h) => h.text)).toEqual(['banana bread', 'old apple pie']);
    expect(old[0]?.vector).toEqual([0, 1, 0]);
    // The pinned reads went to the alias; writes never touched the copy.
    const pinnedReads = fake.state.requests.filter((r) =>
      decodeURIComponent(r.path).startsWith(`/collections/${alias}/`),
    );
    expect(pinnedReads.map((r) => r.operationId)).toEqual([
      'query_points',
      'query_points',
      'query_batch_points',
    ]);
    expect(frozen?.points.size).toBe(3);

    const newer = await store.currentVersion(ref);
    await store.retainVersions(ref, [newer]);
    expect(fake.state.aliases.has(alias)).toBe(false);
    expect(fake.state.collections.has(copy)).toBe(false);
    expect(fake.state.collections.has(frozenCopyName(name, newer))).toBe(true);
    const error = await store.query(ref, { ...dense, version: pinned }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CollectionVersionError);
    expect(error).toMatchObject({ reason: 'unsupported', version: pinned });

    await store.dropCollection(ref);
    expect([...fake.state.collections.keys()]).toEqual([]);
    expect(fake.state.aliases.size).toBe(0);
  });

  it('copies collections larger than one page and keeps a retained copy across calls', async () => {
    const small = fakeStore({ batchSize: 2, newVersionToken: () => `w${++tokens}` });
    const many = [0, 1, 2, 3, 4].map((i) => chunk('m', i, `many ${i}`, [1, i, 0]));
    await small.replaceDocuments(ref, ['m'], many);
    const pinned = await small.currentVersion(ref);
    await small.retainVersions(ref, [pinned]);
    expect(fake.state.collections.get(frozenCopyName(name, pinned))?.points.size).toBe(8);
    const copies = () => fake.state.requests.filter((r) => r.operationId === 'create_collection').length;
    const before = copies();
    await small.replaceDocuments(ref, ['m'], []);
    await small.retainVersions(ref, [pinned]);
    expect(copies()).toBe(before);
    expect(await small.query(ref, { mode: 'lexical', text: 'many', topK: 10, version: pinned })).toHaveLength(
      5,
    );
  });

  it('refuses to retain a version that is neither current nor frozen, and cleans up a half-made copy', async () => {
    const old = await store.currentVersion(ref);
    await store.replaceDocuments(ref, ['b'], []);
    const error = await store.retainVersions(ref, [old]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CollectionVersionError);
    expect(error).toMatchObject({ reason: 'not-found', version: old });
    expect([...fake.state.collections.keys()]).toEqual([name]);

    // A copy left without its alias (a crash mid-way) is made again from scratch.
    const current = await store.currentVersion(ref);
    const copy = frozenCopyName(name, current);
    fake.state.engine.createCollection(copy, { sparse_vectors: { bm25: { modifier: 'idf' } } });
    await store.retainVersions(ref, [current]);
    expect(fake.state.collections.get(copy)?.points.size).toBe(2);
    expect(fake.state.collections.get(copy)?.dense.has('dense')).toBe(true);
  });
});

describe('qdrant adapter errors', () => {
  const ref: CollectionRef = { tenantId: 'acme', key: 'errs', dimensions: 2 };

  beforeEach(() => fake.state.reset());
  afterEach(() => fake.state.assertNoViolations());

  it('maps a missing collection (404) to COLLECTION_NOT_FOUND with the Qdrant message, without retrying', async () => {
    const store = fakeStore();
    const error = await store.countChunks(ref).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      code: 'COLLECTION_NOT_FOUND',
      status: 404,
      details: {
        upstream: 'qdrant',
        status: 404,
        error: "Not found: Collection `ragline_acme-errs` doesn't exist!",
      },
    });
    expect(fake.state.requests).toHaveLength(1);
  });

  it('retries 5xx a bounded number of times, then maps to UPSTREAM_ERROR', async () => {
    const store = fakeStore({ retry: { ...noRetryDelay, maxRetries: 2 } });
    await store.ensureCollection(ref);
    const before = fake.state.requests.length;
    fake.state.failNext({
      match: /points\/count$/,
      status: 500,
      error: 'Service internal error: boom',
      times: 5,
    });
    await expect(store.countChunks(ref)).rejects.toMatchObject({
      code: 'UPSTREAM_ERROR',
      message: expect.stringContaining('Service internal error: boom'),
      details: { status: 500 },
    });
    expect(fake.state.requests.length - before).toBe(3);
  });

  it('recovers when a retry succeeds', async () => {
    const delays: number[] = [];
    const store = fakeStore({ retry: { baseDelayMs: 10, sleep: async (ms) => void delays.push(ms) } });
    await store.ensureCollection(ref);
    fake.state.failNext({ match: /points\/count$/, status: 503, times: 2 });
    expect(await store.countChunks(ref)).toBe(0);
    expect(delays).toHaveLength(2);
    for (const d of delays) expect(d).toBeLessThanOrEqual(20);
  });

  it('honours Retry-After on 429 and maps a final 429 to RATE_LIMITED', async () => {
    const delays: number[] = [];
    const store = fakeStore({ retry: { maxRetries: 1, sleep: async (ms) => void delays.push(ms) } });
    await store.ensureCollection(ref);
    fake.state.failNext({
      status: 429,
      error: 'Too many requests',
      headers: { 'retry-after': '2' },
      times: 2,
    });
    await expect(store.countChunks(ref)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(delays).toEqual([2000]);
  });

  it('does not retry a 400 and keeps Qdrant’s message', async () => {
    const store = fakeStore();
    await store.ensureCollection(ref);
    const before = fake.state.requests.length;
    fake.state.failNext({
      status: 400,
      error: 'Wrong input: Vector dimension error: expected dim: 2, got 3',
    });
    await expect(store.countChunks(ref)).rejects.toMatchObject({
      code: 'UPSTREAM_ERROR',
      message: expect.stringContaining('expected dim: 2, got 3'),
    });
    expect(fake.state.requests.length - before).toBe(1);
  });

  it('maps a refused connection to UPSTREAM_ERROR after retries', async () => {
    server.use(http.all('http://127.0.0.1:1/*', () => passthrough()));
    const store = createQdrantVectorStore({
      url: 'http://127.0.0.1:1',
      checkCompatibility: false,
      retry: noRetryDelay,
    });
    const error = await store.countChunks(ref).catch((e: unknown) => e);
    server.resetHandlers();
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', details: { status: null } });
    expect((error as ApiError).message).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it('treats dropping a missing collection as done', async () => {
    await expect(fakeStore().dropCollection(ref)).resolves.toBeUndefined();
  });
});

const realUrl = process.env.QDRANT_URL;

describe.skipIf(!realUrl)('against a real Qdrant (QDRANT_URL)', () => {
  const prefix = `ragline_test_${Date.now().toString(36)}_`;
  const client = new QdrantClient({
    url: realUrl ?? 'http://127.0.0.1:6333',
    ...(process.env.QDRANT_API_KEY ? { apiKey: process.env.QDRANT_API_KEY } : {}),
    checkCompatibility: false,
  });

  // The msw server of this file must not intercept the real server.
  beforeAll(() => server.close());
  afterAll(() => server.listen({ onUnhandledRequest: 'error' }));

  runVectorStoreContract(`qdrant at ${realUrl}`, async () => ({
    store: createQdrantVectorStore({ client, collectionPrefix: prefix }),
    missingVersionReason: 'unsupported',
    async cleanup() {
      const { collections } = await client.getCollections();
      for (const c of collections) if (c.name.startsWith(prefix)) await client.deleteCollection(c.name);
    },
  }));
});
