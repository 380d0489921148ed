import type { Schemas } from '@qdrant/js-client-rest';
import type { Filter, Scalar } from '../../core/filter.js';

type QdrantFilter = Schemas['Filter'];
type QdrantCondition = Schemas['Condition'];

/** Payload keys the adapter writes; user metadata lives under `metadata.` so it cannot clash with them. */
export const PAYLOAD = {
  tenantId: 'tenant_id',
  chunkId: 'chunk_id',
  documentId: 'doc_id',
  chunkIndex: 'chunk_index',
  text: 'text',
  headingPath: 'heading_path',
  start: 'start',
  end: 'end',
  metadata: 'metadata',
} as const;

export const metadataKey = (field: string): string => `${PAYLOAD.metadata}.${field}`;

export function tenantCondition(tenantId: string): QdrantCondition {
  return { key: PAYLOAD.tenantId, match: { value: tenantId } };
}

/**
 * The Qdrant filter of a query: always the tenant condition (defence in depth: collections are already
 * per tenant), AND the translated metadata filter if any.
 */
export function toQdrantFilter(tenantId: string, filter?: Filter): QdrantFilter {
  const must: QdrantCondition[] = [tenantCondition(tenantId)];
  if (filter) must.push(toCondition(filter));
  return { must };
}

/**
 * Numbers are matched with closed ranges instead of `match.value`: Qdrant's match only takes strings,
 * integers and booleans, and metadata numbers may be floats. `ne` is `must_not` equality, so a chunk
 * without the field matches `ne` (the semantics every adapter shares).
 */
export function toCondition(filter: Filter): QdrantCondition {
  switch (filter.op) {
    case 'and':
      return { must: filter.filters.map(toCondition) };
    case 'or':
      return { should: filter.filters.map(toCondition) };
    case 'not':
      return { must_not: [toCondition(filter.filter)] };
    case 'eq':
      return equals(filter.field, filter.value);
    case 'ne':
      return { must_not: [equals(filter.field, filter.value)] };
    case 'in': {
      const values = [...new Set(filter.values)];
      if (values.every((v): v is string => typeof v === 'string')) {
        return { key: metadataKey(filter.field), match: { any: values } };
      }
      return { should: values.map((v) => equals(filter.field, v)) };
    }
    case 'range': {
      const range: Schemas['Range'] = {};
      if (filter.gt !== undefined) range.gt = filter.gt;
      if (filter.gte !== undefined) range.gte = filter.gte;
      if (filter.lt !== undefined) range.lt = filter.lt;
      if (filter.lte !== undefined) range.lte = filter.lte;
      return { key: metadataKey(filter.field), range };
    }
  }
}

function equals(field: string, value: Scalar): QdrantCondition {
  const key = metadataKey(field);
  if (typeof value === 'number') return { key, range: { gte: value, lte: value } };
  return { key, match: { value } };
}
