import { describe, expect, it } from 'vitest';
import { createMemoryVectorStore } from '../adapters/vector-store/memory-vector-store.js';
import { runVectorStoreContract } from '../ports/vector-store.contract.js';
import type { VectorStore } from '../ports/vector-store.js';
import { lazyVectorStore } from './lazy-vector-store.js';

// Every port method goes through to the adapter with its arguments and result.
runVectorStoreContract('lazy (memory inside)', async () => ({
  store: lazyVectorStore('memory', async () => createMemoryVectorStore()),
  cleanup: async () => {},
}));

const ref = { tenantId: 't', key: 'c', dimensions: null };

describe('lazyVectorStore', () => {
  it('creates the adapter on the first call, once, and not for close() alone', async () => {
    let created = 0;
    let closed = 0;
    const create = async (): Promise<VectorStore> => {
      created++;
      return { ...createMemoryVectorStore(), close: async () => void closed++ };
    };
    const idle = lazyVectorStore('memory', create);
    expect(idle.kind).toBe('memory');
    await idle.close?.();
    expect([created, closed]).toEqual([0, 0]);

    const used = lazyVectorStore('memory', create);
    await Promise.all([used.ensureCollection(ref), used.countChunks(ref).catch(() => 0)]);
    await used.countChunks(ref);
    expect(created).toBe(1);
    await used.close?.();
    expect(closed).toBe(1);
  });

  it('reports a failed load to every caller, and close() still resolves', async () => {
    const store = lazyVectorStore('lancedb', async () => {
      throw new Error('native module missing');
    });
    await expect(store.ensureCollection(ref)).rejects.toThrow('native module missing');
    await expect(store.query(ref, { mode: 'lexical', text: 'x', topK: 1 })).rejects.toThrow(
      'native module missing',
    );
    await expect(store.close?.()).resolves.toBeUndefined();
  });
});
