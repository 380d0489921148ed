import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  ApiKeyRow,
  CollectionRow,
  DocumentRow,
  MetadataStore,
  RouteVersionRow,
} from './metadata-store.js';

export interface MetadataStoreContractContext {
  /** A fresh, empty store; the suite runs `migrate()` and `close()` itself. */
  store: MetadataStore;
  /** Frees what setup made (temp files, servers), after the store is closed. */
  cleanup(): Promise<void>;
}

const A = 'tenant-a';
const B = 'tenant-b';
const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';
const T2 = '2026-01-03T00:00:00.000Z';

function collection(
  tenantId: string,
  id: string,
  name: string,
  extra: Partial<CollectionRow> = {},
): CollectionRow {
  return {
    id,
    tenantId,
    name,
    embedder: 'default',
    embeddingModel: 'model-x',
    dimensions: 384,
    description: null,
    createdAt: T0,
    updatedAt: T0,
    ...extra,
  };
}

function document(
  tenantId: string,
  collectionId: string,
  id: string,
  extra: Partial<DocumentRow> = {},
): DocumentRow {
  return {
    tenantId,
    collectionId,
    id,
    source: null,
    contentType: 'text/plain',
    contentHash: `hash-of-${id}`,
    chunkCount: 1,
    characters: 10,
    metadata: {},
    createdAt: T0,
    updatedAt: T0,
    ...extra,
  };
}

function key(tenantId: string, id: string, extra: Partial<Omit<ApiKeyRow, 'revokedAt'>> = {}) {
  return {
    id,
    tenantId,
    name: null,
    hash: `sha256-of-${id}`,
    admin: false,
    allowedModels: null,
    rpmLimit: null,
    tpmLimit: null,
    createdAt: T0,
    ...extra,
  };
}

function sortedIds(rows: { id: string }[]): string[] {
  return rows.map((row) => row.id).sort();
}

/** Every MetadataStore adapter runs this suite (libSQL memory and file, D1, ...). */
export function runMetadataStoreContract(
  name: string,
  setup: () => Promise<MetadataStoreContractContext>,
): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let ctx: MetadataStoreContractContext;
    let store: MetadataStore;

    beforeEach(async () => {
      ctx = await setup();
      store = ctx.store;
      await store.migrate();
      await store.tenants.ensure(A);
      await store.tenants.ensure(B);
    });

    afterEach(async () => {
      await store.close();
      await ctx.cleanup();
    });

    /** Tenant A with collection `a1` holding documents; tenant B knows every id. */
    async function seedTenantA(): Promise<{ coll: CollectionRow; docs: DocumentRow[] }> {
      const coll = collection(A, 'coll_a1', 'docs');
      expect(await store.collections.insert(coll)).toBe(true);
      const docs = ['d1', 'd2', 'd3'].map((id, i) =>
        document(A, coll.id, id, { source: 'folder', chunkCount: i + 2, characters: 100 * (i + 1) }),
      );
      await store.documents.upsertMany(docs);
      return { coll, docs };
    }

    describe('migrate', () => {
      it('is a no-op the second time and keeps data', async () => {
        const { coll, docs } = await seedTenantA();
        await store.migrate();
        await store.migrate();
        expect(await store.collections.getByName(A, 'docs')).toEqual(coll);
        expect(await store.documents.get(A, coll.id, 'd1')).toEqual(docs[0]);
      });
    });

    describe('tenants', () => {
      it('ensure creates a tenant once and returns the stored row afterwards', async () => {
        const first = await store.tenants.ensure('tenant-new');
        expect(first.id).toBe('tenant-new');
        expect(Number.isNaN(Date.parse(first.createdAt))).toBe(false);
        expect(new Date(first.createdAt).toISOString()).toBe(first.createdAt);
        const again = await store.tenants.ensure('tenant-new');
        expect(again).toEqual(first);
        expect(await store.tenants.get('tenant-new')).toEqual(first);
      });

      it('get returns null for an unknown tenant', async () => {
        expect(await store.tenants.get('nobody')).toBeNull();
      });
    });

    describe('apiKeys', () => {
      it('finds a key by hash with every field', async () => {
        const admin = key(A, 'k1', { name: 'ci', admin: true, hash: 'ab'.repeat(32) });
        const plain = key(A, 'k2', { createdAt: T1 });
        await store.apiKeys.insert(admin);
        await store.apiKeys.insert(plain);
        expect(await store.apiKeys.findByHash(admin.hash)).toEqual({ ...admin, revokedAt: null });
        expect(await store.apiKeys.findByHash(plain.hash)).toEqual({ ...plain, revokedAt: null });
        expect(await store.apiKeys.findByHash('cd'.repeat(32))).toBeNull();
      });

      it('stores a key allow-list as given (order, globs, empty) and defaults to every model', async () => {
        const listed = key(A, 'k1', { allowedModels: ['llama-*', 'gpt-4o-mini', 'meta-llama/*'] });
        const none = key(A, 'k2', { allowedModels: [] });
        const { allowedModels: _, rpmLimit: _rpm, tpmLimit: _tpm, ...unspecified } = key(A, 'k3');
        await store.apiKeys.insert(listed);
        await store.apiKeys.insert(none);
        await store.apiKeys.insert(unspecified);
        expect(await store.apiKeys.findByHash(listed.hash)).toEqual({ ...listed, revokedAt: null });
        expect((await store.apiKeys.findByHash(none.hash))?.allowedModels).toEqual([]);
        expect(await store.apiKeys.findByHash(unspecified.hash)).toMatchObject({
          allowedModels: null,
          rpmLimit: null,
          tpmLimit: null,
        });
        expect((await store.apiKeys.listForTenant(A)).map((k) => k.allowedModels)).toEqual([
          ['llama-*', 'gpt-4o-mini', 'meta-llama/*'],
          [],
          null,
        ]);
      });

      it('rejects a duplicate hash and a key for an unknown tenant', async () => {
        await store.apiKeys.insert(key(A, 'k1', { hash: 'same' }));
        await expect(store.apiKeys.insert(key(B, 'k2', { hash: 'same' }))).rejects.toThrow();
        await expect(store.apiKeys.insert(key('nobody', 'k3'))).rejects.toThrow();
        expect(await store.apiKeys.findByHash('same')).toMatchObject({ id: 'k1', tenantId: A });
        expect(await store.apiKeys.listForTenant(B)).toEqual([]);
      });

      it('lists only the tenant own keys, oldest first', async () => {
        await store.apiKeys.insert(key(A, 'k-late', { createdAt: T2 }));
        await store.apiKeys.insert(key(A, 'k-early', { createdAt: T0 }));
        await store.apiKeys.insert(key(B, 'k-b', { createdAt: T1 }));
        expect((await store.apiKeys.listForTenant(A)).map((k) => k.id)).toEqual(['k-early', 'k-late']);
        expect((await store.apiKeys.listForTenant(B)).map((k) => k.id)).toEqual(['k-b']);
        expect(await store.apiKeys.listForTenant('nobody')).toEqual([]);
      });

      it('revokes a key once; the first revocation time stays', async () => {
        const k = key(A, 'k1');
        await store.apiKeys.insert(k);
        expect(await store.apiKeys.revoke(A, 'k1', T1)).toBe(true);
        expect(await store.apiKeys.findByHash(k.hash)).toEqual({ ...k, revokedAt: T1 });
        expect(await store.apiKeys.revoke(A, 'k1', T2)).toBe(true);
        expect((await store.apiKeys.findByHash(k.hash))?.revokedAt).toBe(T1);
        expect(await store.apiKeys.revoke(A, 'missing', T1)).toBe(false);
      });

      it('stores rate limits and changes only the ones given, for the owning tenant only', async () => {
        const limited = key(A, 'k1', { rpmLimit: 60, tpmLimit: 90_000 });
        await store.apiKeys.insert(limited);
        expect(await store.apiKeys.findByHash(limited.hash)).toEqual({ ...limited, revokedAt: null });
        expect(await store.apiKeys.updateLimits(A, 'k1', { rpmLimit: 120 })).toEqual({
          ...limited,
          rpmLimit: 120,
          revokedAt: null,
        });
        expect(await store.apiKeys.updateLimits(A, 'k1', { tpmLimit: null })).toMatchObject({
          rpmLimit: 120,
          tpmLimit: null,
        });
        expect(await store.apiKeys.updateLimits(A, 'k1', {})).toMatchObject({ rpmLimit: 120 });
        expect(await store.apiKeys.updateLimits(B, 'k1', { rpmLimit: 1 })).toBeNull();
        expect(await store.apiKeys.updateLimits(A, 'missing', { rpmLimit: 1 })).toBeNull();
        expect((await store.apiKeys.findByHash(limited.hash))?.rpmLimit).toBe(120);
        await expect(store.apiKeys.insert(key(A, 'k2', { rpmLimit: 0 }))).rejects.toThrow();
      });

      it('another tenant cannot revoke a key even knowing its id', async () => {
        const k = key(A, 'k1');
        await store.apiKeys.insert(k);
        expect(await store.apiKeys.revoke(B, 'k1', T1)).toBe(false);
        expect(await store.apiKeys.findByHash(k.hash)).toEqual({ ...k, revokedAt: null });
        expect(await store.apiKeys.listForTenant(A)).toEqual([{ ...k, revokedAt: null }]);
      });
    });

    describe('collections', () => {
      it('stores every field, including nulls', async () => {
        const full = collection(A, 'coll_1', 'full', { description: 'about', createdAt: T0, updatedAt: T1 });
        const lexical = collection(A, 'coll_2', 'lexical', {
          embedder: null,
          embeddingModel: null,
          dimensions: null,
        });
        expect(await store.collections.insert(full)).toBe(true);
        expect(await store.collections.insert(lexical)).toBe(true);
        expect(await store.collections.getByName(A, 'full')).toEqual(full);
        expect(await store.collections.getByName(A, 'lexical')).toEqual(lexical);
        expect(await store.collections.getByName(A, 'absent')).toBeNull();
      });

      it('names are unique per tenant, not across tenants', async () => {
        const original = collection(A, 'coll_1', 'docs', { description: 'first' });
        expect(await store.collections.insert(original)).toBe(true);
        expect(
          await store.collections.insert(collection(A, 'coll_2', 'docs', { description: 'second' })),
        ).toBe(false);
        expect(await store.collections.getByName(A, 'docs')).toEqual(original);
        expect(await store.collections.list(A)).toEqual([original]);
        const other = collection(B, 'coll_3', 'docs');
        expect(await store.collections.insert(other)).toBe(true);
        expect(await store.collections.getByName(B, 'docs')).toEqual(other);
      });

      it('lists only the tenant own collections, ordered by name', async () => {
        const rows = [collection(A, 'c1', 'zeta'), collection(A, 'c2', 'alpha'), collection(A, 'c3', 'mid')];
        for (const row of rows) await store.collections.insert(row);
        await store.collections.insert(collection(B, 'c4', 'beta'));
        expect((await store.collections.list(A)).map((c) => c.name)).toEqual(['alpha', 'mid', 'zeta']);
        expect((await store.collections.list(B)).map((c) => c.id)).toEqual(['c4']);
        expect(await store.collections.list('nobody')).toEqual([]);
      });

      it('another tenant cannot read a collection by name', async () => {
        await seedTenantA();
        expect(await store.collections.getByName(B, 'docs')).toBeNull();
        expect(await store.collections.list(B)).toEqual([]);
      });

      it('touch moves updatedAt, only for the owning tenant', async () => {
        const { coll } = await seedTenantA();
        await store.collections.touch(B, coll.id, T2);
        expect((await store.collections.getByName(A, 'docs'))?.updatedAt).toBe(T0);
        await store.collections.touch(A, coll.id, T1);
        expect(await store.collections.getByName(A, 'docs')).toEqual({ ...coll, updatedAt: T1 });
      });

      it('stats count documents and sum chunks per collection and tenant', async () => {
        const { coll, docs } = await seedTenantA();
        const other = collection(A, 'coll_a2', 'other');
        await store.collections.insert(other);
        await store.documents.upsertMany([document(A, other.id, 'x', { chunkCount: 50 })]);
        expect(await store.collections.stats(A, coll.id)).toEqual({
          documentCount: docs.length,
          chunkCount: docs.reduce((sum, d) => sum + d.chunkCount, 0),
        });
        expect(await store.collections.stats(A, other.id)).toEqual({ documentCount: 1, chunkCount: 50 });
        expect(await store.collections.stats(B, coll.id)).toEqual({ documentCount: 0, chunkCount: 0 });
        expect(await store.collections.stats(A, 'no-such')).toEqual({ documentCount: 0, chunkCount: 0 });
      });

      it('delete removes the collection and its documents, nothing else', async () => {
        const { coll } = await seedTenantA();
        const kept = collection(A, 'coll_a2', 'kept');
        await store.collections.insert(kept);
        const keptDoc = document(A, kept.id, 'd1');
        await store.documents.upsertMany([keptDoc]);

        expect(await store.collections.delete(A, coll.id)).toBe(true);
        expect(await store.collections.getByName(A, 'docs')).toBeNull();
        expect(await store.documents.get(A, coll.id, 'd1')).toBeNull();
        expect(await store.documents.list(A, coll.id, { limit: 10 })).toEqual([]);
        expect(await store.collections.stats(A, coll.id)).toEqual({ documentCount: 0, chunkCount: 0 });
        expect(await store.documents.get(A, kept.id, 'd1')).toEqual(keptDoc);
        expect(await store.collections.delete(A, coll.id)).toBe(false);

        // the name is free again, and the new collection starts empty
        expect(await store.collections.insert(collection(A, coll.id, 'docs'))).toBe(true);
        expect(await store.documents.list(A, coll.id, { limit: 10 })).toEqual([]);
      });

      it('another tenant cannot delete a collection even knowing its id', async () => {
        const { coll, docs } = await seedTenantA();
        expect(await store.collections.delete(B, coll.id)).toBe(false);
        expect(await store.collections.getByName(A, 'docs')).toEqual(coll);
        expect(sortedIds(await store.documents.list(A, coll.id, { limit: 10 }))).toEqual(sortedIds(docs));
      });
    });

    describe('documents', () => {
      it('round-trips every field, metadata values keep their types', async () => {
        const { coll } = await seedTenantA();
        const row = document(A, coll.id, 'meta', {
          source: 's3://bucket/a',
          contentType: 'text/markdown',
          contentHash: 'f'.repeat(64),
          chunkCount: 7,
          characters: 12345,
          metadata: { title: 'Hello', year: 2024, score: 0.25, draft: false, pinned: true, empty: '' },
          createdAt: T1,
          updatedAt: T2,
        });
        await store.documents.upsertMany([row]);
        const stored = await store.documents.get(A, coll.id, 'meta');
        expect(stored).toEqual(row);
        expect(typeof stored?.metadata.year).toBe('number');
        expect(typeof stored?.metadata.draft).toBe('boolean');
      });

      it('upsert replaces a row but keeps its createdAt', async () => {
        const { coll, docs } = await seedTenantA();
        const first = docs[0] as DocumentRow;
        const replacement = {
          ...first,
          source: null,
          contentHash: 'new-hash',
          chunkCount: 9,
          characters: 999,
          metadata: { v: 2 },
          createdAt: T2,
          updatedAt: T2,
        };
        await store.documents.upsertMany([replacement]);
        expect(await store.documents.get(A, coll.id, first.id)).toEqual({
          ...replacement,
          createdAt: first.createdAt,
        });
        expect(await store.collections.stats(A, coll.id)).toMatchObject({ documentCount: docs.length });
      });

      it('getMany returns only the ids that exist, and handles long id lists', async () => {
        const { coll, docs } = await seedTenantA();
        const many = Array.from({ length: 250 }, (_, i) =>
          document(A, coll.id, `bulk-${String(i).padStart(3, '0')}`),
        );
        await store.documents.upsertMany(many);
        const found = await store.documents.getMany(A, coll.id, ['d1', 'missing', 'd3']);
        expect([...found.keys()].sort()).toEqual(['d1', 'd3']);
        expect(found.get('d1')).toEqual(docs[0]);
        const bulk = await store.documents.getMany(A, coll.id, [...many.map((d) => d.id), 'missing']);
        expect(bulk.size).toBe(many.length);
        expect(bulk.get('bulk-249')).toEqual(many[249]);
        expect((await store.documents.getMany(A, coll.id, [])).size).toBe(0);
      });

      it('upsertMany is all or nothing', async () => {
        const { coll } = await seedTenantA();
        const good = document(A, coll.id, 'good');
        const orphan = document(A, 'no-such-collection', 'orphan');
        await expect(store.documents.upsertMany([good, orphan])).rejects.toThrow();
        expect(await store.documents.get(A, coll.id, 'good')).toBeNull();
        expect(await store.documents.get(A, 'no-such-collection', 'orphan')).toBeNull();
      });

      it('deleteMany deletes in one go and counts only rows that existed', async () => {
        const { coll } = await seedTenantA();
        const many = Array.from({ length: 150 }, (_, i) => document(A, coll.id, `bulk-${i}`));
        await store.documents.upsertMany(many);
        const ids = [...many.map((d) => d.id), 'd1', 'd1', 'missing'];
        expect(await store.documents.deleteMany(A, coll.id, ids)).toBe(many.length + 1);
        expect(sortedIds(await store.documents.list(A, coll.id, { limit: 500 }))).toEqual(['d2', 'd3']);
        expect(await store.documents.deleteMany(A, coll.id, [])).toBe(0);
      });

      it('idsOfSourceExcept returns the source documents missing from keep', async () => {
        const { coll } = await seedTenantA();
        await store.documents.upsertMany([
          document(A, coll.id, 'other-source', { source: 'elsewhere' }),
          document(A, coll.id, 'no-source', { source: null }),
        ]);
        expect(await store.documents.idsOfSourceExcept(A, coll.id, 'folder', ['d2'])).toEqual(['d1', 'd3']);
        expect(await store.documents.idsOfSourceExcept(A, coll.id, 'folder', [])).toEqual(['d1', 'd2', 'd3']);
        const bigKeep = [...Array.from({ length: 300 }, (_, i) => `k${i}`), 'd1', 'd2', 'd3'];
        expect(await store.documents.idsOfSourceExcept(A, coll.id, 'folder', bigKeep)).toEqual([]);
        expect(await store.documents.idsOfSourceExcept(A, coll.id, 'nothing-here', [])).toEqual([]);
      });

      it('lists in id order, page by page with the after cursor', async () => {
        const { coll, docs } = await seedTenantA();
        const more = Array.from({ length: 22 }, (_, i) =>
          document(A, coll.id, `p-${String(i).padStart(2, '0')}`),
        );
        await store.documents.upsertMany([...more].reverse());
        const expected = sortedIds([...docs, ...more]);
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.documents.list(A, coll.id, { limit: 10, ...(after ? { after } : {}) });
          seen.push(...page.map((d) => d.id));
          if (page.length < 10) break;
          after = page[page.length - 1]?.id;
        }
        expect(seen).toEqual(expected);
        const firstPage = await store.documents.list(A, coll.id, { limit: 10 });
        expect(firstPage[0]).toEqual(docs[0]);
      });

      it('lists one source, paged', async () => {
        const { coll } = await seedTenantA();
        await store.documents.upsertMany([
          document(A, coll.id, 'a-other', { source: 'other' }),
          document(A, coll.id, 'z-other', { source: 'other' }),
        ]);
        const page1 = await store.documents.list(A, coll.id, { limit: 2, source: 'folder' });
        expect(page1.map((d) => d.id)).toEqual(['d1', 'd2']);
        const page2 = await store.documents.list(A, coll.id, { limit: 2, source: 'folder', after: 'd2' });
        expect(page2.map((d) => d.id)).toEqual(['d3']);
        const others = await store.documents.list(A, coll.id, { limit: 10, source: 'other' });
        expect(others.map((d) => d.id)).toEqual(['a-other', 'z-other']);
      });

      it('another tenant cannot read, list, delete or find documents even knowing ids', async () => {
        const { coll, docs } = await seedTenantA();
        const ids = docs.map((d) => d.id);
        expect(await store.documents.get(B, coll.id, 'd1')).toBeNull();
        expect((await store.documents.getMany(B, coll.id, ids)).size).toBe(0);
        expect(await store.documents.list(B, coll.id, { limit: 10 })).toEqual([]);
        expect(await store.documents.list(B, coll.id, { limit: 10, source: 'folder' })).toEqual([]);
        expect(await store.documents.idsOfSourceExcept(B, coll.id, 'folder', [])).toEqual([]);
        expect(await store.documents.deleteMany(B, coll.id, ids)).toBe(0);
        expect(sortedIds(await store.documents.list(A, coll.id, { limit: 10 }))).toEqual(sortedIds(docs));
      });

      it('another tenant cannot write documents into a collection it does not own', async () => {
        const { coll, docs } = await seedTenantA();
        const intruder = document(B, coll.id, 'd1', { contentHash: 'evil', chunkCount: 99 });
        await expect(store.documents.upsertMany([intruder])).rejects.toThrow();
        await expect(store.documents.upsertMany([document(B, coll.id, 'planted')])).rejects.toThrow();
        expect(await store.documents.get(A, coll.id, 'd1')).toEqual(docs[0]);
        expect(await store.documents.get(A, coll.id, 'planted')).toBeNull();
        expect(await store.documents.get(B, coll.id, 'planted')).toBeNull();
        expect(await store.collections.stats(A, coll.id)).toEqual({
          documentCount: docs.length,
          chunkCount: docs.reduce((sum, d) => sum + d.chunkCount, 0),
        });
      });

      it('the same document id lives separately in different collections', async () => {
        const { coll } = await seedTenantA();
        const second = collection(A, 'coll_a2', 'second');
        await store.collections.insert(second);
        const twin = document(A, second.id, 'd1', { contentHash: 'twin' });
        await store.documents.upsertMany([twin]);
        expect(await store.documents.get(A, second.id, 'd1')).toEqual(twin);
        expect((await store.documents.get(A, coll.id, 'd1'))?.contentHash).toBe('hash-of-d1');
        expect(await store.documents.deleteMany(A, second.id, ['d1'])).toBe(1);
        expect(await store.documents.get(A, coll.id, 'd1')).not.toBeNull();
      });
    });
    describe('routes', () => {
      const chat = { name: 'chat', strategy: 'single', targets: [{ ref: 'vllm-pool' }] };
      const canary = {
        name: 'chat',
        strategy: 'weighted',
        targets: [
          { ref: 'vllm-pool', weight: 90 },
          { ref: 'canary', weight: 10 },
        ],
        stickyBy: 'user',
      };
      const change = (tenantId: string, name: string, definition: object | null, at = T0) => ({
        tenantId,
        name,
        definition: definition as RouteVersionRow['definition'],
        createdAt: at,
        createdBy: 'key-1',
      });

      it('appends versions 1, 2, 3 and returns each with every field', async () => {
        const v1 = await store.routes.append(change(A, 'chat', chat, T0));
        expect(v1).toEqual({
          tenantId: A,
          name: 'chat',
          version: 1,
          definition: chat,
          createdAt: T0,
          createdBy: 'key-1',
        });
        const v2 = await store.routes.append({ ...change(A, 'chat', canary, T1), createdBy: null });
        expect(v2).toMatchObject({ version: 2, definition: canary, createdBy: null });
        const v3 = await store.routes.append(change(A, 'chat', chat, T2));
        expect(v3.version).toBe(3);
        expect(await store.routes.current(A, 'chat')).toEqual(v3);
      });

      it('keeps earlier versions unchanged (immutable history, oldest first)', async () => {
        const v1 = await store.routes.append(change(A, 'chat', chat, T0));
        const v2 = await store.routes.append(change(A, 'chat', canary, T1));
        expect(await store.routes.getVersion(A, 'chat', 1)).toEqual(v1);
        expect(await store.routes.getVersion(A, 'chat', 2)).toEqual(v2);
        expect(await store.routes.getVersion(A, 'chat', 3)).toBeNull();
        expect(await store.routes.history(A, 'chat')).toEqual([v1, v2]);
      });

      it('numbers each route separately and concurrent appends get distinct versions', async () => {
        await store.routes.append(change(A, 'chat', chat));
        const other = await store.routes.append(change(A, 'embed', { ...chat, name: 'embed' }));
        expect(other.version).toBe(1);
        const concurrent = await Promise.all(
          [0, 1, 2, 3].map(() => store.routes.append(change(A, 'chat', canary))),
        );
        expect(concurrent.map((r) => r.version).sort()).toEqual([2, 3, 4, 5]);
        expect((await store.routes.history(A, 'chat')).map((r) => r.version)).toEqual([1, 2, 3, 4, 5]);
      });

      it('a delete is a tombstone version: hidden from the list, kept in history, and versions continue', async () => {
        await store.routes.append(change(A, 'chat', chat, T0));
        await store.routes.append(change(A, 'other', { ...chat, name: 'other' }, T0));
        const tombstone = await store.routes.append(change(A, 'chat', null, T1));
        expect(tombstone).toMatchObject({ version: 2, definition: null, createdAt: T1 });
        expect(await store.routes.current(A, 'chat')).toEqual(tombstone);
        expect((await store.routes.listCurrent(A)).map((r) => r.name)).toEqual(['other']);
        const recreated = await store.routes.append(change(A, 'chat', canary, T2));
        expect(recreated.version).toBe(3);
        expect((await store.routes.history(A, 'chat')).map((r) => r.definition)).toEqual([
          chat,
          null,
          canary,
        ]);
      });

      it('lists the current version of each live route, ordered by name', async () => {
        await store.routes.append(change(A, 'zeta', { ...chat, name: 'zeta' }));
        await store.routes.append(change(A, 'chat', chat));
        const latest = await store.routes.append(change(A, 'chat', canary, T1));
        const listed = await store.routes.listCurrent(A);
        expect(listed.map((r) => [r.name, r.version])).toEqual([
          ['chat', 2],
          ['zeta', 1],
        ]);
        expect(listed[0]).toEqual(latest);
        expect(await store.routes.listCurrent('tenant-empty')).toEqual([]);
      });

      it('isolates tenants: same names, separate versions, nothing visible across', async () => {
        await store.routes.append(change(A, 'chat', chat));
        await store.routes.append(change(A, 'chat', canary));
        expect(await store.routes.current(B, 'chat')).toBeNull();
        expect(await store.routes.getVersion(B, 'chat', 1)).toBeNull();
        expect(await store.routes.history(B, 'chat')).toEqual([]);
        expect(await store.routes.listCurrent(B)).toEqual([]);
        const b1 = await store.routes.append(change(B, 'chat', canary));
        expect(b1).toMatchObject({ tenantId: B, version: 1 });
        expect((await store.routes.current(A, 'chat'))?.version).toBe(2);
        expect((await store.routes.listCurrent(B)).map((r) => [r.tenantId, r.version])).toEqual([[B, 1]]);
      });

      it('rejects a change for a tenant that does not exist', async () => {
        await expect(store.routes.append(change('nobody', 'chat', chat))).rejects.toThrow();
        expect(await store.routes.history('nobody', 'chat')).toEqual([]);
      });

      it('appendIfCurrent appends only on top of the expected version', async () => {
        const first = await store.routes.appendIfCurrent(change(A, 'chat', chat, T0), 0);
        expect(first).toEqual({
          tenantId: A,
          name: 'chat',
          version: 1,
          definition: chat,
          createdAt: T0,
          createdBy: 'key-1',
        });
        expect(await store.routes.appendIfCurrent(change(A, 'chat', canary, T1), 0)).toBeNull();
        const second = await store.routes.appendIfCurrent(change(A, 'chat', canary, T1), 1);
        expect(second).toMatchObject({ version: 2, definition: canary, createdAt: T1 });
        const tombstone = await store.routes.appendIfCurrent(change(A, 'chat', null, T2), 2);
        expect(tombstone).toMatchObject({ version: 3, definition: null });
        expect(await store.routes.appendIfCurrent(change(A, 'chat', chat, T2), 2)).toBeNull();
        expect((await store.routes.history(A, 'chat')).map((r) => r.definition)).toEqual([
          chat,
          canary,
          null,
        ]);
        // Versions are per tenant: B's first version expects 0 whatever A has.
        expect(await store.routes.appendIfCurrent(change(B, 'chat', chat), 3)).toBeNull();
        expect((await store.routes.appendIfCurrent(change(B, 'chat', chat), 0))?.version).toBe(1);
      });

      it('appendIfCurrent lets exactly one of several concurrent writers win', async () => {
        await store.routes.append(change(A, 'chat', chat));
        const results = await Promise.all(
          [0, 1, 2, 3, 4].map(() => store.routes.appendIfCurrent(change(A, 'chat', canary), 1)),
        );
        expect(results.filter((r) => r !== null).map((r) => r?.version)).toEqual([2]);
        expect((await store.routes.history(A, 'chat')).map((r) => r.version)).toEqual([1, 2]);
      });

      it('appendIfCurrent rejects a tenant that does not exist', async () => {
        await expect(store.routes.appendIfCurrent(change('nobody', 'chat', chat), 0)).rejects.toThrow();
        expect(await store.routes.history('nobody', 'chat')).toEqual([]);
      });

      it('returns null for a route that never existed', async () => {
        expect(await store.routes.current(A, 'missing')).toBeNull();
        expect(await store.routes.history(A, 'missing')).toEqual([]);
      });
    });
  });
}
