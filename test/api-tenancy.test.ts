import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_ROUTE_SCOPE } from '../packages/server/src/ports/metadata-store.js';
import { createApiKey } from '../packages/server/src/services/keys/create-api-key.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let alice: ReturnType<typeof client>;
let bob: ReturnType<typeof client>;

beforeAll(async () => {
  server = await createInProcessServer();
  const admin = client(server.fetch, server.baseURL, ADMIN_KEY);
  alice = client(server.fetch, server.baseURL, (await admin.post('/v1/keys', { tenant: 'alice' })).json.key);
  bob = client(server.fetch, server.baseURL, (await admin.post('/v1/keys', { tenant: 'bob' })).json.key);
  await alice.post('/v1/collections', { name: 'private', embedder: 'local' });
  await alice.post('/v1/collections/private/documents', {
    documents: [{ id: 'secret.txt', text: 'Alice keeps the launch codes here: zebra-42.' }],
  });
});
afterAll(() => server?.close());

describe('tenant isolation', () => {
  it('hides one tenant’s collections from another', async () => {
    expect((await bob.get('/v1/collections')).json.data).toEqual([]);
    expect((await bob.get('/v1/collections/private')).status).toBe(404);
  });

  it('never lets another tenant read, query, write or delete', async () => {
    expect((await bob.post('/v1/collections/private/query', { query: 'launch codes' })).status).toBe(404);
    expect((await bob.get('/v1/collections/private/documents')).status).toBe(404);
    expect((await bob.get('/v1/collections/private/documents/secret.txt')).status).toBe(404);
    expect(
      (await bob.post('/v1/collections/private/documents', { documents: [{ id: 'x', text: 'x' }] })).status,
    ).toBe(404);
    expect((await bob.delete('/v1/collections/private/documents/secret.txt')).status).toBe(404);
    expect((await bob.delete('/v1/collections/private')).status).toBe(404);
    const still = await alice.post('/v1/collections/private/query', {
      query: 'launch codes',
      mode: 'lexical',
    });
    expect(still.json.results[0].documentId).toBe('secret.txt');
  });

  it('gives each tenant its own namespace for the same collection name', async () => {
    expect((await bob.post('/v1/collections', { name: 'private', embedder: null })).status).toBe(201);
    await bob.post('/v1/collections/private/documents', {
      documents: [{ id: 'bob.txt', text: 'launch codes? not here' }],
    });
    const bobHits = await bob.post('/v1/collections/private/query', { query: 'launch codes', topK: 10 });
    expect(bobHits.json.results.map((r: { documentId: string }) => r.documentId)).toEqual(['bob.txt']);
    const aliceHits = await alice.post('/v1/collections/private/query', { query: 'launch codes', topK: 10 });
    expect(aliceHits.json.results.map((r: { documentId: string }) => r.documentId)).toEqual(['secret.txt']);
    expect((await alice.get('/v1/collections/private')).json.embedder).toBe('local');
  });

  it('reserves the scope of the config-file routes: no key can belong to it', async () => {
    const admin = client(server.fetch, server.baseURL, ADMIN_KEY);
    const res = await admin.post('/v1/keys', { tenant: CONFIG_ROUTE_SCOPE });
    expect(res.status).toBe(400);
    expect(res.json.error.details.issues[0].field).toBe('tenant');
    await expect(
      createApiKey(server.deps, { tenant: CONFIG_ROUTE_SCOPE, admin: true }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining('reserved') });
    expect(await server.deps.metadata.apiKeys.listForTenant(CONFIG_ROUTE_SCOPE)).toEqual([]);
  });

  it('takes the tenant from the key, not from anything the client sends', async () => {
    const res = await bob.call('GET', '/v1/collections', undefined, {
      'x-tenant-id': 'alice',
      'x-ragline-tenant': 'alice',
    });
    expect(res.json.data.map((c: { name: string }) => c.name)).toEqual(['private']);
    expect(res.json.data[0].embedder).toBeNull();
  });
});
