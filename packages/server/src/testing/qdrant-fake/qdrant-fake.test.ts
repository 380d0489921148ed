import { QdrantClient } from '@qdrant/js-client-rest';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createQdrantVectorStore } from '../../adapters/vector-store/qdrant-vector-store.js';
import { createQdrantFake } from './qdrant-fake.js';

const BASE_URL = 'http://qdrant.test:6333';
const fake = createQdrantFake({ baseUrl: BASE_URL });
const server = setupServer(...fake.handlers);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

describe('qdrant fake', () => {
  beforeEach(() => fake.state.reset());

  it('rejects a request body that breaks the spec with a 400 in Qdrant’s shape, and records it', async () => {
    const response = await fetch(`${BASE_URL}/collections/x/points?wait=true`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ points: [{ id: 'doc#1', vector: [1, 2] }] }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { status: { error: string } };
    expect(body.status.error).toMatch(/request violation: .*body\.points\.0\.id/);
    expect(fake.state.violations).toHaveLength(1);
    expect(() => fake.state.assertNoViolations()).toThrow(/violation/);
  });

  it('rejects a misspelt filter clause and unknown query parameters', async () => {
    const client = new QdrantClient({ url: BASE_URL, checkCompatibility: false });
    await client.createCollection('x', { vectors: { size: 2, distance: 'Cosine' } });
    await expect(client.count('x', { filter: { muts: [] } as never })).rejects.toMatchObject({ status: 400 });
    const response = await fetch(`${BASE_URL}/collections/x/points/count?bogus=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(fake.state.violations.map((v) => v.errors.join())).toEqual([
      expect.stringContaining('additional properties'),
      expect.stringContaining('bogus'),
    ]);
  });

  it('answers routes outside the spec with a recorded violation', async () => {
    const response = await fetch(`${BASE_URL}/collections/x/teleport`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(fake.state.violations[0]).toMatchObject({ kind: 'route' });
  });

  it('answers the client’s version check (GET /) so it does not warn', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const store = createQdrantVectorStore({ url: BASE_URL });
    await store.ensureCollection({ tenantId: 't', key: 'k', dimensions: null });
    await vi.waitFor(() => expect(fake.state.requests.some((r) => r.operationId === 'root')).toBe(true));
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    fake.state.assertNoViolations();
  });

  it('records features it does not model instead of answering', async () => {
    const client = new QdrantClient({ url: BASE_URL, checkCompatibility: false });
    await client.createCollection('u', { vectors: { v: { size: 2, distance: 'Cosine' } } });
    await client.upsert('u', { points: [{ id: 1, vector: { v: [1, 0] }, payload: { a: 'y' } }] });
    await expect(
      client.count('u', { filter: { must: [{ key: 'a', match: { except: ['x'] } }] } }),
    ).rejects.toMatchObject({
      status: 501,
    });
    expect(fake.state.violations).toEqual([expect.objectContaining({ kind: 'unsupported' })]);
  });

  it('scores sparse vectors with the collection’s IDF', async () => {
    const client = new QdrantClient({ url: BASE_URL, checkCompatibility: false });
    await client.createCollection('s', { sparse_vectors: { t: { modifier: 'idf' } } });
    await client.upsert('s', {
      points: [
        { id: 1, vector: { t: { indices: [1, 2], values: [1, 1] } } },
        { id: 2, vector: { t: { indices: [1], values: [2] } } },
        { id: 3, vector: { t: { indices: [3], values: [1] } } },
      ],
    });
    const { points } = await client.query('s', { query: { indices: [1, 2], values: [1, 1] }, using: 't' });
    const idf = (n: number) => Math.log(1 + (3 - n + 0.5) / (n + 0.5));
    expect(points.map((p) => p.id)).toEqual([1, 2]);
    expect(points[0]?.score).toBeCloseTo(idf(2) + idf(1), 5);
    expect(points[1]?.score).toBeCloseTo(2 * idf(2), 5);
    fake.state.assertNoViolations();
  });

  it('scrolls in id order with pages, deletes by ids and counts by filter', async () => {
    const client = new QdrantClient({ url: BASE_URL, checkCompatibility: false });
    await client.createCollection('p', { vectors: { v: { size: 1, distance: 'Dot' } } });
    const uuid = '5c56c793-69f3-4fbf-87e6-c4bf54c28c26';
    await client.upsert('p', {
      points: [uuid, 3, 1, 2].map((id) => ({
        id,
        vector: { v: [1] },
        payload: { even: typeof id === 'number' && id % 2 === 0 },
      })),
    });
    const first = await client.scroll('p', { limit: 2 });
    expect(first.points.map((p) => p.id)).toEqual([1, 2]);
    expect(first.next_page_offset).toBe(3);
    const second = await client.scroll('p', { limit: 2, offset: 3, with_payload: false });
    expect(second.points).toEqual([{ id: 3 }, { id: uuid }]);
    expect(second.next_page_offset).toBeNull();
    await client.delete('p', { points: [1, uuid], wait: true });
    expect(await client.count('p', { filter: { must: [{ key: 'even', match: { value: false } }] } })).toEqual(
      { count: 1 },
    );
    fake.state.assertNoViolations();
  });

  it('serves a collection under its aliases, lists them, and drops them with the collection', async () => {
    const client = new QdrantClient({ url: BASE_URL, checkCompatibility: false });
    await client.createCollection('real', { vectors: { v: { size: 1, distance: 'Dot' } } });
    await client.upsert('real', { points: [{ id: 1, vector: { v: [2] } }], wait: true });
    await expect(
      client.updateCollectionAliases({
        actions: [{ create_alias: { collection_name: 'missing', alias_name: 'nope' } }],
      }),
    ).rejects.toMatchObject({ status: 404 });
    await client.updateCollectionAliases({
      actions: [
        { create_alias: { collection_name: 'real', alias_name: 'real@1' } },
        { delete_alias: { alias_name: 'never-made' } },
      ],
    });
    expect(await client.getAliases()).toEqual({
      aliases: [{ alias_name: 'real@1', collection_name: 'real' }],
    });
    expect(await client.getCollections()).toEqual({ collections: [{ name: 'real' }] });
    const { points } = await client.query('real@1', { query: [1], using: 'v' });
    expect(points.map((p) => [p.id, p.score])).toEqual([[1, 2]]);
    await client.deleteCollection('real');
    expect(await client.getAliases()).toEqual({ aliases: [] });
    await expect(client.count('real@1', {})).rejects.toMatchObject({ status: 404 });
    fake.state.assertNoViolations();
  });

  it('serves GET / unwrapped, like Qdrant', async () => {
    const response = await fetch(`${BASE_URL}/`);
    expect(await response.json()).toMatchObject({
      title: 'qdrant - vector search engine',
      version: '1.19.0',
    });
  });

  it('fuses prefetches with Qdrant’s RRF (k = 2 by default, weights scale the position)', async () => {
    const client = new QdrantClient({ url: BASE_URL, checkCompatibility: false });
    await client.createCollection('f', { vectors: { v: { size: 2, distance: 'Cosine' } } });
    await client.upsert('f', {
      points: [
        { id: 1, vector: { v: [1, 0] } },
        { id: 2, vector: { v: [0.9, 0.1] } },
        { id: 3, vector: { v: [0, 1] } },
      ],
    });
    const prefetch = [
      { query: [1, 0], using: 'v', limit: 3 },
      { query: [0, 1], using: 'v', limit: 3 },
    ];
    const plain = await client.query('f', { prefetch, query: { fusion: 'rrf' } });
    const byId = new Map(plain.points.map((p) => [p.id, p.score]));
    // id 1: position 0 and 2 -> 1/2 + 1/4; id 3: position 2 and 0 -> the same; id 2: 1/3 + 1/3.
    expect(byId.get(1)).toBeCloseTo(0.75, 6);
    expect(byId.get(3)).toBeCloseTo(0.75, 6);
    expect(byId.get(2)).toBeCloseTo(2 / 3, 6);
    const weighted = await client.query('f', { prefetch, query: { rrf: { k: 60, weights: [3, 1] } } });
    const w = new Map(weighted.points.map((p) => [p.id, p.score]));
    expect(w.get(1)).toBeCloseTo(1 / (1 / 3 + 59) + 1 / (3 + 59), 6);
    fake.state.assertNoViolations();
  });
});
