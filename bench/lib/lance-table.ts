import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  type LanceDbVectorStore,
  tableName,
} from '../../packages/server/src/adapters/vector-store/lancedb-vector-store.js';
import type { AppDeps } from '../../packages/server/src/deps.js';
import type { CollectionRef } from '../../packages/server/src/ports/vector-store.js';
import { collectionRef } from '../../packages/server/src/services/collections/collection-ref.js';
import { REPO_ROOT } from './env.js';

/** The slice of the @lancedb/lancedb API this file reads (typed here: the package is the server's, not the root's). */
interface LanceConnection {
  openTable(name: string): Promise<{
    listIndices(): Promise<{ name: string; indexType: string; columns: string[]; indexDetails?: unknown }[]>;
    indexStats(
      name: string,
    ): Promise<{ numIndexedRows: number; numUnindexedRows: number; numIndices?: number } | undefined>;
    close(): void;
  }>;
  close(): void;
}

// @lancedb/lancedb is a dependency of the server package (not hoisted to the root), so resolve it from there.
const lancedb = createRequire(join(REPO_ROOT, 'packages', 'server', 'package.json'))('@lancedb/lancedb') as {
  connect(uri: string): Promise<LanceConnection>;
};

export async function collectionRefByName(deps: AppDeps, name: string): Promise<CollectionRef> {
  const row = await deps.metadata.collections.getByName('default', name);
  if (!row) throw new Error(`collection ${name} not found`);
  return collectionRef(row);
}

export function lanceStore(deps: AppDeps): LanceDbVectorStore {
  const store = deps.vectors as Partial<LanceDbVectorStore>;
  if (deps.vectors.kind !== 'lancedb' || typeof store.optimize !== 'function') {
    throw new Error(`the benchmark needs the LanceDB vector store, got ${deps.vectors.kind}`);
  }
  return deps.vectors as LanceDbVectorStore;
}

export interface IndexReport {
  name: string;
  type: string;
  columns: string;
  indexedRows: number;
  unindexedRows: number;
  /** Delta parts the index is split into (appends by optimize add parts). */
  parts: number | undefined;
  details: string;
}

/** The table's indexes and how many rows each covers, read with a second read-only LanceDB connection. */
export async function indexReport(dataDir: string, ref: CollectionRef): Promise<IndexReport[]> {
  const conn = await lancedb.connect(join(dataDir, 'lancedb'));
  try {
    const table = await conn.openTable(tableName(ref));
    const out: IndexReport[] = [];
    for (const index of await table.listIndices()) {
      const stats = await table.indexStats(index.name);
      out.push({
        name: index.name,
        type: index.indexType,
        columns: index.columns.join(','),
        indexedRows: stats?.numIndexedRows ?? 0,
        unindexedRows: stats?.numUnindexedRows ?? 0,
        parts: stats?.numIndices,
        details: index.indexDetails === undefined ? '' : JSON.stringify(index.indexDetails).slice(0, 300),
      });
    }
    table.close();
    return out;
  } finally {
    conn.close();
  }
}

/** Polls the table's indexes until no row is left unindexed (the store's background optimize); returns the wait. */
export async function waitUntilIndexed(
  dataDir: string,
  ref: CollectionRef,
  timeoutMs = 120_000,
): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    const report = await indexReport(dataDir, ref);
    if (report.every((r) => r.unindexedRows === 0)) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`rows still unindexed after ${timeoutMs} ms`);
}
