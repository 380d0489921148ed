import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { CollectionRow } from '../../ports/metadata-store.js';

export async function getCollectionOrThrow(
  deps: Pick<AppDeps, 'metadata'>,
  tenantId: string,
  name: string,
): Promise<CollectionRow> {
  const row = await deps.metadata.collections.getByName(tenantId, name);
  if (!row) throw new ApiError('COLLECTION_NOT_FOUND', `collection "${name}" does not exist`);
  return row;
}
