import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVectorStoreContract } from '../../ports/vector-store.contract.js';
import { type ChunkRecord, type CollectionRef, CollectionVersionError } from '../../ports/vector-store.js';
import { createLanceDbVectorStore, type LanceDbVectorStore, tableName } from './lancedb-vector-store.js';

runVectorStoreContract('lancedb', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ragline-lancedb-'));
  // Background index maintenance would add table versions at odd moments; it has its own test below.
  const store = createLanceDbVectorStore({ uri: dir, autoOptimize: false });
  return {
    store,
    cleanup: async () => {
      await store.close?.();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

function chunk(documentId: string, i: number, text: string, vector: number[]): ChunkRecord {
  return {
    id: `${documentId}#${i}`,
    documentId,
    chunkIndex: i,
    text,
    vector,
    metadata: {},
    headingPath: [],
    start: 0,
    end: text.length,
  };
}

describe('createLanceDbVectorStore', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ragline-lancedb-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names tables injectively from tenant and key', () => {
    const a = tableName({ tenantId: 'a_b', key: 'c', dimensions: null });
    const b = tableName({ tenantId: 'a', key: 'b_c', dimensions: null });
    expect(a).not.toBe(b);
    expect(tableName({ tenantId: 'Tenant-1/..', key: 'k', dimensions: null })).toMatch(/^[a-z0-9_-]+$/);
  });

  it('builds the vector index past minRows, keeps answers exact for rows added later, and reopens from disk', async () => {
    const uri = join(dir, 'index');
    const ref: CollectionRef = { tenantId: 't', key: 'big', dimensions: 8 };
    const store: LanceDbVectorStore = createLanceDbVectorStore({
      uri,
      vectorIndex: { minRows: 300, numPartitions: 4, nprobes: 4 },
      autoOptimize: { everyWrites: 1_000, everyRows: 250 },
    });
    await store.ensureCollection(ref);
    let seed = 7;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647 - 0.5;
    };
    const docs = Array.from({ length: 400 }, (_, d) =>
      chunk(`d${d}`, 0, `document number ${d} about topic${d % 17}`, Array.from({ length: 8 }, rand)),
    );
    for (let i = 0; i < docs.length; i += 100) {
      const batch = docs.slice(i, i + 100);
      await store.replaceDocuments(
        ref,
        batch.map((c) => c.documentId),
        batch,
      );
    }
    // Rows written after the indexes were built are still found.
    await store.replaceDocuments(
      ref,
      ['late'],
      [chunk('late', 0, 'a zebracorn arrives late', [1, 1, 1, 1, 1, 1, 1, 1])],
    );
    const dense = await store.query(ref, { mode: 'dense', vector: [1, 1, 1, 1, 1, 1, 1, 1], topK: 1 });
    expect(dense[0]?.id).toBe('late#0');
    const lexical = await store.query(ref, { mode: 'lexical', text: 'zebracorns', topK: 3 });
    expect(lexical.map((h) => h.id)).toEqual(['late#0']);
    await store.optimize(ref);
    expect((await store.query(ref, { mode: 'lexical', text: 'topic3', topK: 100 })).length).toBe(
      docs.filter((c) => c.text.endsWith('topic3')).length,
    );
    const version = await store.currentVersion(ref);
    await store.close?.();

    const reopened = createLanceDbVectorStore({ uri });
    expect(await reopened.countChunks(ref)).toBe(401);
    expect(await reopened.currentVersion(ref)).toBe(version);
    const again = await reopened.query(ref, { mode: 'dense', vector: [1, 1, 1, 1, 1, 1, 1, 1], topK: 1 });
    expect(again[0]?.id).toBe('late#0');
    await reopened.close?.();
  });

  it('commits each replace, shrinking or growing a document, as exactly one table version', async () => {
    const store = createLanceDbVectorStore({ uri: join(dir, 'atomic'), autoOptimize: false });
    const ref: CollectionRef = { tenantId: 't', key: 'atomic', dimensions: 4 };
    await store.ensureCollection(ref);
    const three = [0, 1, 2].map((i) => chunk('a', i, `text ${i}`, [1, i, 0, 0]));
    await store.replaceDocuments(ref, ['a', 'b'], [...three, chunk('b', 0, 'b', [0, 1, 0, 0])]);
    const versionOf = async () => Number(await store.currentVersion(ref));
    for (const next of [three.slice(0, 1), three, []]) {
      const before = await versionOf();
      await store.replaceDocuments(ref, ['a'], next);
      expect(await versionOf()).toBe(before + 1);
      expect(await store.countChunks(ref)).toBe(next.length + 1);
    }
    await store.close?.();
  });

  it('rejects a collection reopened with other dimensions', async () => {
    const store = createLanceDbVectorStore({ uri: join(dir, 'dims') });
    await store.ensureCollection({ tenantId: 't', key: 'k', dimensions: 4 });
    await expect(store.ensureCollection({ tenantId: 't', key: 'k', dimensions: 8 })).rejects.toThrow(
      /dimensions/,
    );
    await store.close?.();
  });

  it('indexes new rows in the background after writes settle, without holding up the writes', async () => {
    const uri = join(dir, 'background');
    const ref: CollectionRef = { tenantId: 't', key: 'bg', dimensions: 4 };
    const errors: unknown[] = [];
    const store = createLanceDbVectorStore({
      uri,
      autoOptimize: { debounceMs: 100 },
      onBackgroundError: (error) => errors.push(error),
    });
    await store.ensureCollection(ref);
    for (let i = 0; i < 3; i++) {
      await store.replaceDocuments(
        ref,
        [`d${i}`],
        [chunk(`d${i}`, 0, `background words ${i}`, [1, i, 0, 0])],
      );
    }
    const table = await (await lancedb.connect(uri, { readConsistencyInterval: 0 })).openTable(
      tableName(ref),
    );
    const ftsIndex = (await table.listIndices()).find((i) => i.indexType === 'FTS');
    expect(ftsIndex).toBeDefined();
    const unindexed = async () => (await table.indexStats(ftsIndex?.name ?? ''))?.numUnindexedRows;
    expect(await unindexed()).toBe(3);
    const deadline = Date.now() + 10_000;
    while ((await unindexed()) !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await unindexed()).toBe(0);
    expect((await store.query(ref, { mode: 'lexical', text: 'background', topK: 5 })).length).toBe(3);

    // close() cancels a pending run and waits for a running one.
    await store.replaceDocuments(ref, ['late'], [chunk('late', 0, 'late words', [0, 0, 1, 0])]);
    await store.close?.();
    expect(errors).toEqual([]);
    table.close();
  });

  it('keeps the versions retained through optimize cleanup, with their full-text index, and drops the others', async () => {
    const uri = join(dir, 'retain');
    const ref: CollectionRef = { tenantId: 't', key: 'pins', dimensions: 4 };
    // Cleanup removes every unretained version older than "now" at each optimize.
    const open = () => createLanceDbVectorStore({ uri, autoOptimize: false, retainVersionsForMs: 0 });
    const store = open();
    await store.ensureCollection(ref);
    await store.replaceDocuments(
      ref,
      ['a', 'b'],
      [
        chunk('a', 0, 'the old policy covers apples', [1, 0, 0, 0]),
        chunk('b', 0, 'bananas ship weekly', [0, 1, 0, 0]),
      ],
    );
    // Folded into the full-text index, so the pinned version has indexed rows...
    await store.optimize(ref);
    await store.replaceDocuments(ref, ['c'], [chunk('c', 0, 'cherries and apples in season', [0, 0, 1, 0])]);
    // ...and rows written after the last optimize, which the index does not cover yet.
    const pinned = await store.currentVersion(ref);
    await store.replaceDocuments(ref, ['d'], [chunk('d', 0, 'dates are sweet', [0, 0, 0, 1])]);
    const unpinned = await store.currentVersion(ref);
    await store.retainVersions(ref, [pinned]);

    await store.replaceDocuments(ref, ['a'], [chunk('a', 0, 'the new policy covers pears', [1, 0, 0, 0])]);
    await store.deleteDocuments(ref, ['c']);
    await store.optimize(ref, { rebuildVectorIndex: true });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.optimize(ref);

    const apples = (version?: string) =>
      store.query(ref, { mode: 'lexical', text: 'apples', topK: 10, ...(version ? { version } : {}) });
    expect((await apples(pinned)).map((h) => h.text).sort()).toEqual([
      'cherries and apples in season',
      'the old policy covers apples',
    ]);
    expect(await apples()).toEqual([]);
    const hybrid = await store.query(ref, {
      mode: 'hybrid',
      vector: [0, 0, 1, 0],
      text: 'cherries',
      topK: 1,
      version: pinned,
    });
    expect(hybrid.map((h) => h.id)).toEqual(['c#0']);

    const gone = await store
      .query(ref, { mode: 'lexical', text: 'dates', topK: 1, version: unpinned })
      .catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(CollectionVersionError);
    expect((gone as CollectionVersionError).reason).toBe('not-found');
    await expect(store.retainVersions(ref, [pinned, unpinned])).rejects.toThrow(CollectionVersionError);
    await store.close?.();

    // Retention is stored with the table: another process keeps the version through its own cleanup.
    const reopened = open();
    await reopened.replaceDocuments(ref, ['e'], [chunk('e', 0, 'elderberry apples', [1, 1, 0, 0])]);
    await reopened.optimize(ref);
    expect(
      (await reopened.query(ref, { mode: 'lexical', text: 'apples', topK: 10, version: pinned })).length,
    ).toBe(2);

    // Released from retention, the version goes at the next cleanup.
    await reopened.retainVersions(ref, []);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await reopened.optimize(ref);
    await expect(
      reopened.query(ref, { mode: 'lexical', text: 'apples', topK: 10, version: pinned }),
    ).rejects.toThrow(CollectionVersionError);
    await reopened.dropCollection(ref);
    await reopened.close?.();
  });
});
