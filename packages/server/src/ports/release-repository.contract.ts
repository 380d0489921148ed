import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetadataStore } from './metadata-store.js';
import type { ReleasePins, ReleaseRow } from './registry-repositories.js';

export interface ReleaseRepositoryContractContext {
  /** A fresh, empty store; the suite runs `migrate()` and `close()` itself. */
  store: MetadataStore;
  /** Runs raw SQL on the same database, to show the schema itself refuses rewrites. */
  rawExecute(sql: string): Promise<unknown>;
  /** Frees what setup made, after the store is closed. */
  cleanup(): Promise<void>;
}

const A = 'tenant-a';
const B = 'tenant-b';

function pins(collectionVersion: string, extra: Partial<ReleasePins> = {}): ReleasePins {
  return {
    prompt: { name: 'support/answer', version: 3 },
    model: { route: 'chat', routeVersion: 2, source: 'tenant' },
    retrieval: {
      collection: 'handbook',
      mode: 'hybrid',
      topK: 8,
      filter: { op: 'eq', field: 'lang', value: 'en' },
      fusion: { k: 60, denseWeight: 1, lexicalWeight: 0.5 },
    },
    collection: { name: 'handbook', version: collectionVersion, id: 'col_1' },
    ...extra,
  };
}

function release(id: string, createdAt: string, extra: Partial<ReleaseRow> = {}): ReleaseRow {
  return { tenantId: A, id, pins: pins('7'), createdAt, createdBy: 'key_1', ...extra };
}

/** ReleaseRepository against a real backend: insert-once, paging, pinned versions, immutability, tenancy. */
export function runReleaseRepositoryContract(
  name: string,
  setup: () => Promise<ReleaseRepositoryContractContext>,
): void {
  describe(`ReleaseRepository contract: ${name}`, () => {
    let context: ReleaseRepositoryContractContext;
    let store: MetadataStore;

    beforeEach(async () => {
      context = await setup();
      store = context.store;
      await store.migrate();
      await store.tenants.ensure(A);
      await store.tenants.ensure(B);
    });
    afterEach(async () => {
      await store.close();
      await context.cleanup();
    });

    it('inserts once: the same id again returns the stored release, unchanged', async () => {
      const first = release('rel_1', '2026-05-01T00:00:00.000Z');
      expect(await store.releases.insert(first)).toEqual({ row: first, created: true });
      const again = await store.releases.insert({
        ...first,
        createdAt: '2026-06-01T00:00:00.000Z',
        createdBy: null,
      });
      expect(again).toEqual({ row: first, created: false });
      expect(await store.releases.get(A, 'rel_1')).toEqual(first);
      expect(await store.releases.get(A, 'rel_2')).toBeNull();
    });

    it('keeps tenants apart: the same id in two tenants is two releases', async () => {
      await store.releases.insert(release('rel_1', '2026-05-01T00:00:00.000Z'));
      expect(await store.releases.get(B, 'rel_1')).toBeNull();
      expect(await store.releases.list(B, { limit: 10 })).toEqual([]);
      expect(await store.releases.pinnedCollectionVersions(B, 'col_1')).toEqual([]);
      const theirs = release('rel_1', '2026-05-02T00:00:00.000Z', { tenantId: B, pins: pins('9') });
      expect((await store.releases.insert(theirs)).created).toBe(true);
      expect((await store.releases.get(B, 'rel_1'))?.pins.collection.version).toBe('9');
      expect((await store.releases.get(A, 'rel_1'))?.pins.collection.version).toBe('7');
    });

    it('rejects an unknown tenant', async () => {
      await expect(
        store.releases.insert(release('rel_1', '2026-05-01T00:00:00.000Z', { tenantId: 'nobody' })),
      ).rejects.toThrow(/unknown tenant/);
    });

    it('lists newest first in pages', async () => {
      const rows = [
        release('rel_b', '2026-05-01T00:00:00.000Z'),
        release('rel_a', '2026-05-02T00:00:00.000Z'),
        release('rel_c', '2026-05-02T00:00:00.000Z'),
        release('rel_d', '2026-05-03T00:00:00.000Z'),
      ];
      for (const row of rows) await store.releases.insert(row);
      const first = await store.releases.list(A, { limit: 2 });
      expect(first.map((r) => r.id)).toEqual(['rel_d', 'rel_c']);
      const second = await store.releases.list(A, { limit: 2, before: 'rel_c' });
      expect(second.map((r) => r.id)).toEqual(['rel_a', 'rel_b']);
      expect(await store.releases.list(A, { limit: 2, before: 'rel_b' })).toEqual([]);
      await expect(store.releases.list(A, { limit: 0 })).rejects.toThrow(RangeError);
    });

    it("answers the versions a collection's releases pin, each once", async () => {
      await store.releases.insert(release('rel_1', '2026-05-01T00:00:00.000Z', { pins: pins('7') }));
      await store.releases.insert(
        release('rel_2', '2026-05-01T00:00:01.000Z', {
          pins: pins('7', { prompt: { name: 'support/answer', version: 4 } }),
        }),
      );
      await store.releases.insert(release('rel_3', '2026-05-01T00:00:02.000Z', { pins: pins('12') }));
      const elsewhere = pins('3');
      elsewhere.collection = { name: 'handbook', version: '3', id: 'col_2' };
      await store.releases.insert(release('rel_4', '2026-05-01T00:00:03.000Z', { pins: elsewhere }));
      expect((await store.releases.pinnedCollectionVersions(A, 'col_1')).sort()).toEqual(['12', '7']);
      expect(await store.releases.pinnedCollectionVersions(A, 'col_2')).toEqual(['3']);
    });

    it('refuses to rewrite or delete a release, even with raw SQL', async () => {
      const row = release('rel_1', '2026-05-01T00:00:00.000Z');
      await store.releases.insert(row);
      await expect(context.rawExecute(`UPDATE releases SET pins = '{}'`)).rejects.toThrow(/immutable/);
      await expect(context.rawExecute('DELETE FROM releases')).rejects.toThrow(/never deleted/);
      expect(await store.releases.get(A, 'rel_1')).toEqual(row);
    });
  });
}
