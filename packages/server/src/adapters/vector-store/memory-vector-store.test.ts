import { describe, expect, it } from 'vitest';
import { runVectorStoreContract } from '../../ports/vector-store.contract.js';
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
});
