import { QdrantClient } from '@qdrant/js-client-rest';
import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../core/api-error.js';
import { querySparseVector } from '../../core/sparse-vector.js';
import { runVectorStoreContract } from '../../ports/vector-store.contract.js';
import type { ChunkRecord, CollectionRef, VectorStore } from '../../ports/vector-store.js';
import { createQdrantFake } from '../../testing/qdrant-fake/qdrant-fake.js';
import { chunkPointId } from './qdrant-point-id.js';
import { createQdrantVectorStore, qdrantCollectionName } from './qdrant-vector-store.js';

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
  readsOldVersions: false,
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
    async cleanup() {
      const { collections } = await client.getCollections();
      for (const c of collections) if (c.name.startsWith(prefix)) await client.deleteCollection(c.name);
    },
  }));
});
