import type { CollectionRow } from '../../ports/metadata-store.js';
import type { CollectionRef } from '../../ports/vector-store.js';

export function collectionRef(row: CollectionRow): CollectionRef {
  return { tenantId: row.tenantId, key: row.id, dimensions: row.dimensions };
}
