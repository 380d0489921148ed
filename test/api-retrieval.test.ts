import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let api: ReturnType<typeof client>;

const docs = [
  {
    id: 'cats',
    text: 'Cats are small domesticated felines that purr.',
    metadata: { topic: 'pets', year: 2019, draft: false },
  },
  {
    id: 'dogs',
    text: 'Dogs are loyal domesticated canines that bark.',
    metadata: { topic: 'pets', year: 2021, draft: false },
  },
  {
    id: 'rust',
    text: 'Rust is a systems programming language with ownership.',
    metadata: { topic: 'code', year: 2023, draft: true },
  },
  {
    id: 'ts',
    text: 'TypeScript adds static types to JavaScript programs.',
    metadata: { topic: 'code', year: 2024, draft: false },
  },
];

beforeAll(async () => {
  server = await createInProcessServer();
  api = client(server.fetch, server.baseURL, ADMIN_KEY);
  await api.post('/v1/collections', { name: 'mixed', embedder: 'local' });
  await api.post('/v1/collections/mixed/documents', { documents: docs });
});
afterAll(() => server?.close());

const ids = (res: { json: { results: { documentId: string }[] } }) =>
  res.json.results.map((r) => r.documentId);

describe('retrieval', () => {
  it('defaults to hybrid on a dense collection and returns full results', async () => {
    const res = await api.post('/v1/collections/mixed/query', {
      query: 'programming language ownership',
      topK: 2,
    });
    expect(res.status).toBe(200);
    expect(res.json.mode).toBe('hybrid');
    expect(res.json.results).toHaveLength(2);
    expect(res.json.results[0]).toMatchObject({
      chunkId: 'rust#0',
      documentId: 'rust',
      metadata: { topic: 'code', year: 2023, draft: true },
      headingPath: [],
      start: 0,
    });
    expect(res.json.usage.embeddingTokens).toBeGreaterThan(0);
  });

  it('ranks lexically with stemming', async () => {
    const res = await api.post('/v1/collections/mixed/query', { query: 'purring cat', mode: 'lexical' });
    expect(ids(res)[0]).toBe('cats');
    expect(res.json.usage.embeddingTokens).toBe(0);
  });

  it('searches densely', async () => {
    const res = await api.post('/v1/collections/mixed/query', { query: 'dogs bark', mode: 'dense', topK: 4 });
    expect(res.json.results).toHaveLength(4);
    expect(ids(res)[0]).toBe('dogs');
    const scores = res.json.results.map((r: { score: number }) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('filters on metadata: equality, $in, ranges, $and/$or/$not', async () => {
    const q = (filter: unknown) =>
      api.post('/v1/collections/mixed/query', {
        query: 'domesticated programs',
        mode: 'dense',
        topK: 10,
        filter,
      });
    expect(ids(await q({ topic: 'pets' })).sort()).toEqual(['cats', 'dogs']);
    expect(ids(await q({ year: { $gte: 2021, $lt: 2024 } })).sort()).toEqual(['dogs', 'rust']);
    expect(ids(await q({ topic: { $in: ['code'] }, draft: false }))).toEqual(['ts']);
    expect(ids(await q({ $or: [{ year: 2019 }, { draft: true }] })).sort()).toEqual(['cats', 'rust']);
    expect(ids(await q({ $not: { topic: 'pets' } })).sort()).toEqual(['rust', 'ts']);
    expect(ids(await q({ topic: { $ne: 'pets' }, year: { $gt: 2023 } }))).toEqual(['ts']);
  });

  it('rejects malformed filters naming the path', async () => {
    const res = await api.post('/v1/collections/mixed/query', {
      query: 'x',
      filter: { year: { $between: [1, 2] } },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe('filter.year.$between: unknown operator $between');
  });

  it('applies minScore', async () => {
    const all = await api.post('/v1/collections/mixed/query', { query: 'cats purr', mode: 'dense', topK: 4 });
    const threshold = all.json.results[1].score;
    const res = await api.post('/v1/collections/mixed/query', {
      query: 'cats purr',
      mode: 'dense',
      topK: 4,
      minScore: threshold,
    });
    expect(res.json.results.length).toBe(2);
  });

  it('diversifies with MMR', async () => {
    const res = await api.post('/v1/collections/mixed/query', {
      query: 'domesticated',
      mode: 'dense',
      topK: 2,
      mmr: { lambda: 0.3 },
    });
    expect(res.json.results).toHaveLength(2);
    const lexical = await api.post('/v1/collections/mixed/query', {
      query: 'x',
      mode: 'lexical',
      mmr: { lambda: 0.5 },
    });
    expect(lexical.status).toBe(400);
  });

  it('refuses dense modes on a lexical-only collection', async () => {
    await api.post('/v1/collections', { name: 'words', embedder: null });
    const res = await api.post('/v1/collections/words/query', { query: 'x', mode: 'hybrid' });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/^mode: "hybrid" needs vectors/);
  });

  it('validates the query body', async () => {
    const res = await api.post('/v1/collections/mixed/query', { query: '', topK: 0 });
    expect(res.status).toBe(400);
    expect(res.json.error.details.issues.map((i: { field: string }) => i.field).sort()).toEqual([
      'query',
      'topK',
    ]);
  });
});
