import { describe, expect, it } from 'vitest';
import { runVectorStoreContract } from '../../ports/vector-store.contract.js';
import { CollectionVersionError } from '../../ports/vector-store.js';
import { createMemoryVectorStore } from './memory-vector-store.js';

runVectorStoreContract('memory', async () => ({ store: createMemoryVectorStore(), cleanup: async () => {} }));

describe('createMemoryVectorStore', () => {
  const ref = { tenantId: 't', key: 'k', dimensions: 2 };

  it('rejects vectors of the wrong dimension and chunks of unlisted documents', async () => {
    const store = createMemoryVectorStore();
    await store.ensureCollection(ref);
    const base = { chunkIndex: 0, text: 'x', metadata: {}, headingPath: [], start: 0, end: 1 };
    await expect(
      store.replaceDocuments(ref, ['a'], [{ ...base, id: 'a#0', documentId: 'a', vector: [1, 2, 3] }]),
    ).rejects.toThrow(/2 dimensions/);
    await expect(
      store.replaceDocuments(ref, ['a'], [{ ...base, id: 'b#0', documentId: 'b', vector: [1, 2] }]),
    ).rejects.toThrow(/not being replaced/);
    expect(await store.countChunks(ref)).toBe(0);
  });

  it('does not let callers mutate stored chunks through returned hits', async () => {
    const store = createMemoryVectorStore();
    await store.ensureCollection(ref);
    const chunk = {
      id: 'a#0',
      documentId: 'a',
      chunkIndex: 0,
      text: 'x',
      vector: [1, 0],
      metadata: { lang: 'en' },
      headingPath: ['h'],
      start: 0,
      end: 1,
    };
    await store.replaceDocuments(ref, ['a'], [chunk]);
    chunk.metadata.lang = 'fr';
    const [hit] = await store.query(ref, { mode: 'dense', vector: [1, 0], topK: 1, includeVectors: true });
    hit?.headingPath.push('mutated');
    const [again] = await store.query(ref, { mode: 'dense', vector: [1, 0], topK: 1 });
    expect(again?.metadata).toEqual({ lang: 'en' });
    expect(again?.headingPath).toEqual(['h']);
  });

  it('keeps retained versions and the last few others; older unretained ones are gone', async () => {
    const store = createMemoryVectorStore();
    const lexRef = { tenantId: 't', key: 'history', dimensions: null };
    await store.ensureCollection(lexRef);
    const write = (n: number) =>
      store.replaceDocuments(
        lexRef,
        ['doc'],
        [
          {
            id: 'doc#0',
            documentId: 'doc',
            chunkIndex: 0,
            text: `edition ${n}`,
            metadata: {},
            headingPath: [],
            start: 0,
            end: 9,
          },
        ],
      );
    const textAt = async (version: string) =>
      (await store.query(lexRef, { mode: 'lexical', text: 'edition', topK: 1, version }))[0]?.text;
    await write(1);
    const first = await store.currentVersion(lexRef);
    await write(2);
    const second = await store.currentVersion(lexRef);
    await store.retainVersions(lexRef, [second]);
    for (let n = 3; n <= 20; n++) await write(n);
    expect(await textAt(second)).toBe('edition 2');
    await expect(textAt(first)).rejects.toThrow(CollectionVersionError);
    expect(await textAt(await store.currentVersion(lexRef))).toBe('edition 20');
    await expect(store.retainVersions(lexRef, [first])).rejects.toThrow(/no version/);
    await store.retainVersions(lexRef, []);
    await write(21);
    await expect(textAt(second)).rejects.toThrow(CollectionVersionError);
  });
});
