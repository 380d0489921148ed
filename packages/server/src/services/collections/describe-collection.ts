import type { Collection } from '@ragline/sdk/contracts';
import type { AppDeps } from '../../deps.js';
import type { CollectionRow } from '../../ports/metadata-store.js';

export async function describeCollection(
  deps: Pick<AppDeps, 'metadata'>,
  row: CollectionRow,
): Promise<Collection> {
  const stats = await deps.metadata.collections.stats(row.tenantId, row.id);
  return {
    name: row.name,
    embedder: row.embedder,
    embeddingModel: row.embeddingModel,
    dimensions: row.dimensions,
    description: row.description,
    documentCount: stats.documentCount,
    chunkCount: stats.chunkCount,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
