import type { VectorStore } from '../ports/vector-store.js';

export interface LazyVectorStore<T extends VectorStore> extends VectorStore {
  /** The adapter, created (and its modules loaded) on the first call. */
  load(): Promise<T>;
}

/**
 * A VectorStore that imports and creates its adapter on first use. A gateway-only server never touches
 * the vector store, so it does not load LanceDB's native library and apache-arrow (about 15 MB resident
 * and 160 modules) or the Qdrant client. `kind` must be the adapter's own.
 */
export function lazyVectorStore<T extends VectorStore>(
  kind: string,
  create: () => Promise<T>,
): LazyVectorStore<T> {
  let store: Promise<T> | undefined;
  const load = () => {
    store ??= create();
    return store;
  };
  return {
    kind,
    load,
    ensureCollection: async (ref) => (await load()).ensureCollection(ref),
    dropCollection: async (ref) => (await load()).dropCollection(ref),
    replaceDocuments: async (ref, documentIds, chunks) =>
      (await load()).replaceDocuments(ref, documentIds, chunks),
    deleteDocuments: async (ref, documentIds) => (await load()).deleteDocuments(ref, documentIds),
    query: async (ref, query) => (await load()).query(ref, query),
    countChunks: async (ref) => (await load()).countChunks(ref),
    currentVersion: async (ref) => (await load()).currentVersion(ref),
    retainVersions: async (ref, versions) => (await load()).retainVersions(ref, versions),
    async close() {
      if (!store) return;
      const loaded = await store.catch(() => undefined);
      await loaded?.close?.();
    },
  };
}
