import type { AppDeps } from '../../deps.js';
import { collectionRef } from './collection-ref.js';
import { getCollectionOrThrow } from './get-collection.js';

/** Drops the chunks first: if that fails the collection stays listed and the delete can be retried. */
export async function deleteCollection(deps: AppDeps, tenantId: string, name: string): Promise<void> {
  const row = await getCollectionOrThrow(deps, tenantId, name);
  await deps.vectors.dropCollection(collectionRef(row));
  await deps.metadata.collections.delete(tenantId, row.id);
}
