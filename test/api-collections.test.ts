import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer, TINY_DIMENSIONS, TINY_MODEL } from './support/test-server.js';

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let admin: ReturnType<typeof client>;

beforeAll(async () => {
  server = await createInProcessServer();
  admin = client(server.fetch, server.baseURL, ADMIN_KEY);
});
afterAll(() => server?.close());

describe('health, auth and the error envelope', () => {
  it('answers /health without a key, with a request id', async () => {
    const res = await server.fetch(`${server.baseURL}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('refuses /v1 without a key or with a wrong one, in the envelope', async () => {
    const none = await server.fetch(`${server.baseURL}/v1/collections`);
    expect(none.status).toBe(401);
    const body = await none.json();
    expect(body.error.code).toBe('UNAUTHENTICATED');
    expect(body.error.requestId).toBe(none.headers.get('x-request-id'));

    const wrong = await client(server.fetch, server.baseURL, 'rl_not-a-key').get('/v1/collections');
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.message).toMatch(/invalid/);
  });

  it('keeps a well-formed caller request id', async () => {
    const res = await server.fetch(`${server.baseURL}/health`, {
      headers: { 'x-request-id': 'trace-abc-12345' },
    });
    expect(res.headers.get('x-request-id')).toBe('trace-abc-12345');
  });

  it('answers unknown routes with a 404 envelope', async () => {
    const res = await admin.get('/v1/nope');
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('NOT_FOUND');
  });

  it('stores API keys hashed, never in clear', async () => {
    const created = await admin.post('/v1/keys', { tenant: 'hash-check' });
    expect(created.status).toBe(201);
    const rows = await server.deps.metadata.apiKeys.listForTenant('hash-check');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.hash).not.toContain(created.json.key);
    expect(rows[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lets only admin keys create keys', async () => {
    const created = await admin.post('/v1/keys', { tenant: 'plain' });
    const plain = client(server.fetch, server.baseURL, created.json.key);
    const res = await plain.post('/v1/keys', { tenant: 'other' });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('FORBIDDEN');
  });
});

describe('collections', () => {
  it('creates a dense collection with the embedder dimension fixed, idempotently', async () => {
    const first = await admin.post('/v1/collections', { name: 'docs', embedder: 'local' });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      name: 'docs',
      embedder: 'local',
      embeddingModel: TINY_MODEL,
      dimensions: TINY_DIMENSIONS,
      documentCount: 0,
    });
    const again = await admin.post('/v1/collections', { name: 'docs', embedder: 'local' });
    expect(again.status).toBe(200);
  });

  it('refuses to change a collection embedder with 409', async () => {
    const res = await admin.post('/v1/collections', { name: 'docs', embedder: null });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('EMBEDDER_MISMATCH');
  });

  it('names the field on bad input', async () => {
    const badName = await admin.post('/v1/collections', { name: 'Bad Name!', embedder: null });
    expect(badName.status).toBe(400);
    expect(badName.json.error.message).toMatch(/^name:/);
    const unknown = await admin.post('/v1/collections', { name: 'x1', embedder: 'nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toMatch(/embedder: unknown embedder "nope"/);
    const notJson = await admin.post('/v1/collections', '{oops', { 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);
    expect(notJson.json.error.code).toBe('INVALID_JSON');
  });

  it('lists, gets and deletes', async () => {
    await admin.post('/v1/collections', { name: 'lexical', embedder: null });
    const list = await admin.get('/v1/collections');
    expect(list.json.data.map((c: { name: string }) => c.name).sort()).toEqual(['docs', 'lexical']);
    expect((await admin.get('/v1/collections/lexical')).json.dimensions).toBeNull();
    expect((await admin.delete('/v1/collections/lexical')).status).toBe(204);
    const gone = await admin.get('/v1/collections/lexical');
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('COLLECTION_NOT_FOUND');
  });
});

describe('embedded default without a model', () => {
  it('starts, serves lexical collections, and explains how to provide a model for dense ones', async () => {
    const bare = await createInProcessServer({ withoutModel: true });
    try {
      const api = client(bare.fetch, bare.baseURL, ADMIN_KEY);
      const dense = await api.post('/v1/collections', { name: 'dense', embedder: 'local' });
      expect(dense.status).toBe(503);
      expect(dense.json.error.code).toBe('EMBEDDER_UNAVAILABLE');
      expect(dense.json.error.message).toContain(TINY_MODEL);
      expect((await api.get('/v1/collections/dense')).status).toBe(404);

      expect((await api.post('/v1/collections', { name: 'words', embedder: null })).status).toBe(201);
      const ingest = await api.post('/v1/collections/words/documents', {
        documents: [{ id: 'a', text: 'Lexical search works offline without any model.' }],
      });
      expect(ingest.status).toBe(200);
      const query = await api.post('/v1/collections/words/query', { query: 'offline model' });
      expect(query.json.mode).toBe('lexical');
      expect(query.json.results[0].documentId).toBe('a');
    } finally {
      await bare.close();
    }
  });
});
