import type { Schemas } from '@qdrant/js-client-rest';
import { type ChunkRecord, MetadataTypeError } from '../../ports/vector-store.js';
import { metadataKey, PAYLOAD } from './qdrant-filter.js';

export type FieldType = 'string' | 'number' | 'boolean';

/** Payload index type per metadata type; numbers are all `float` so 2020 and 2020.5 share one field. */
export const INDEX_SCHEMA: Record<FieldType, Schemas['PayloadSchemaType']> = {
  string: 'keyword',
  number: 'float',
  boolean: 'bool',
};

const TYPE_OF_INDEX: Partial<Record<Schemas['PayloadSchemaType'], FieldType>> = {
  keyword: 'string',
  float: 'number',
  integer: 'number',
  bool: 'boolean',
};

/**
 * Fields that can appear in a filter (see core/filter.ts) get a payload index, which also makes the
 * collection's field types durable in Qdrant (`payload_schema`). Other names (quotes, spaces...) cannot be
 * filtered on and would need JSON-path quoting, so their types are tracked in memory only.
 */
export const isIndexedField = (field: string): boolean => /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(field);

/** The metadata field types recorded in a collection's payload indexes. */
export function fieldTypesFromPayloadSchema(
  schema: Schemas['CollectionInfo']['payload_schema'],
): Map<string, FieldType> {
  const types = new Map<string, FieldType>();
  const prefix = `${PAYLOAD.metadata}.`;
  for (const [key, info] of Object.entries(schema ?? {})) {
    if (!key.startsWith(prefix)) continue;
    const type = info ? TYPE_OF_INDEX[info.data_type] : undefined;
    if (type) types.set(key.slice(prefix.length), type);
  }
  return types;
}

/** The field types a write needs; throws MetadataTypeError when two chunks of the write disagree. */
export function fieldTypesOf(chunks: ChunkRecord[]): Map<string, FieldType> {
  const types = new Map<string, FieldType>();
  for (const chunk of chunks) {
    for (const [field, value] of Object.entries(chunk.metadata)) {
      const type = typeof value as FieldType;
      const seen = types.get(field);
      if (seen === undefined) types.set(field, type);
      else if (seen !== type) {
        throw new MetadataTypeError(
          field,
          `metadata field "${field}" is both ${seen} and ${type} in one write`,
        );
      }
    }
  }
  return types;
}

/** Throws MetadataTypeError for the first field whose type differs from the collection's. */
export function checkFieldTypes(needed: Map<string, FieldType>, known: Map<string, FieldType>): void {
  for (const [field, type] of needed) {
    const stored = known.get(field);
    if (stored !== undefined && stored !== type) {
      throw new MetadataTypeError(field, `metadata field "${field}" is stored as ${stored}, got ${type}`);
    }
  }
}

export const indexFieldName = metadataKey;
