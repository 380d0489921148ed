import type { Collection, CreateCollectionInput } from '@ragline/sdk/contracts';
import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { CollectionRow } from '../../ports/metadata-store.js';
import { embedderDimensions, findEmbedder } from '../embedders/resolve-embedder.js';
import { collectionRef } from './collection-ref.js';
import { describeCollection } from './describe-collection.js';

/**
 * Creates a collection, or returns the existing one when it was created with the same embedder
 * (so scripts can call it idempotently). The embedder id, model and dimension are fixed for life.
 */
export async function createCollection(
  deps: AppDeps,
  tenantId: string,
  input: CreateCollectionInput,
): Promise<{ collection: Collection; created: boolean }> {
  const existing = await deps.metadata.collections.getByName(tenantId, input.name);
  if (existing) return { collection: await sameOrConflict(deps, existing, input), created: false };

  let embeddingModel: string | null = null;
  let dimensions: number | null = null;
  if (input.embedder !== null) {
    const embedder = findEmbedder(deps, input.embedder);
    dimensions = await embedderDimensions(embedder);
    embeddingModel = embedder.model;
  }
  const now = deps.clock.now().toISOString();
  const row: CollectionRow = {
    id: deps.ids.next('col'),
    tenantId,
    name: input.name,
    embedder: input.embedder,
    embeddingModel,
    dimensions,
    description: input.description ?? null,
    createdAt: now,
    updatedAt: now,
  };
  if (!(await deps.metadata.collections.insert(row))) {
    // Lost a race with a concurrent create of the same name.
    const winner = await deps.metadata.collections.getByName(tenantId, input.name);
    if (!winner) throw new ApiError('CONFLICT', `collection "${input.name}" is being changed concurrently`);
    return { collection: await sameOrConflict(deps, winner, input), created: false };
  }
  try {
    await deps.vectors.ensureCollection(collectionRef(row));
  } catch (err) {
    await deps.metadata.collections.delete(tenantId, row.id);
    throw err;
  }
  return { collection: await describeCollection(deps, row), created: true };
}

async function sameOrConflict(
  deps: AppDeps,
  existing: CollectionRow,
  input: CreateCollectionInput,
): Promise<Collection> {
  if (existing.embedder !== input.embedder) {
    throw new ApiError(
      'EMBEDDER_MISMATCH',
      `collection "${existing.name}" exists with embedder ${existing.embedder === null ? 'null (lexical-only)' : `"${existing.embedder}"`}; the embedder of a collection cannot change`,
    );
  }
  return describeCollection(deps, existing);
}
