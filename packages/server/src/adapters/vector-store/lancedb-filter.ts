import type { Filter, Scalar } from '../../core/filter.js';

export type MetadataType = 'string' | 'number' | 'boolean';

export interface MetadataColumn {
  field: string;
  column: string;
  type: MetadataType;
}

const PLAIN_FIELD = /^[A-Za-z0-9_]+$/;

/**
 * Metadata field -> column name. Plain names keep their spelling (`m_year`); anything else is hex-encoded
 * (`mx_...`) so every field maps to a distinct, SQL-safe column.
 */
export function metadataColumnName(field: string): string {
  if (PLAIN_FIELD.test(field)) return `m_${field}`;
  return `mx_${Buffer.from(field, 'utf8').toString('hex')}`;
}

export function fieldOfColumn(column: string): string | undefined {
  if (column.startsWith('m_')) return column.slice(2);
  if (column.startsWith('mx_')) return Buffer.from(column.slice(3), 'hex').toString('utf8');
  return undefined;
}

export function quoteIdentifier(column: string): string {
  return `\`${column.replaceAll('`', '``')}\``;
}

export function sqlLiteral(value: Scalar): string {
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (!Number.isFinite(value)) throw new RangeError(`cannot compare with ${value}`);
  // Float64 columns: a decimal literal keeps DataFusion comparing as doubles.
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/**
 * Translates a Filter to a LanceDB SQL predicate. Every leaf is two-valued (never NULL), so `not`
 * and `ne` match chunks that lack the field, as the VectorStore contract requires. Comparisons with a
 * value of another type than the column, or on a column that does not exist, are constant FALSE.
 */
export function toLanceWhere(filter: Filter, columns: ReadonlyMap<string, MetadataColumn>): string {
  switch (filter.op) {
    case 'and':
      return `(${filter.filters.map((f) => toLanceWhere(f, columns)).join(' AND ')})`;
    case 'or':
      return `(${filter.filters.map((f) => toLanceWhere(f, columns)).join(' OR ')})`;
    case 'not':
      return `(NOT ${toLanceWhere(filter.filter, columns)})`;
    case 'eq':
    case 'ne': {
      const col = columns.get(filter.field);
      const sameType = col !== undefined && col.type === typeof filter.value;
      if (filter.op === 'eq') {
        return sameType ? `(${present(col)} AND ${q(col)} = ${sqlLiteral(filter.value)})` : 'FALSE';
      }
      return sameType ? `(${q(col)} IS NULL OR ${q(col)} <> ${sqlLiteral(filter.value)})` : 'TRUE';
    }
    case 'in': {
      const col = columns.get(filter.field);
      const values = col ? filter.values.filter((v) => typeof v === col.type) : [];
      if (!col || values.length === 0) return 'FALSE';
      return `(${present(col)} AND ${q(col)} IN (${values.map(sqlLiteral).join(', ')}))`;
    }
    case 'range': {
      const col = columns.get(filter.field);
      if (col?.type !== 'number') return 'FALSE';
      const parts = [present(col)];
      if (filter.gt !== undefined) parts.push(`${q(col)} > ${sqlLiteral(filter.gt)}`);
      if (filter.gte !== undefined) parts.push(`${q(col)} >= ${sqlLiteral(filter.gte)}`);
      if (filter.lt !== undefined) parts.push(`${q(col)} < ${sqlLiteral(filter.lt)}`);
      if (filter.lte !== undefined) parts.push(`${q(col)} <= ${sqlLiteral(filter.lte)}`);
      return `(${parts.join(' AND ')})`;
    }
  }
}

function q(col: MetadataColumn): string {
  return quoteIdentifier(col.column);
}

function present(col: MetadataColumn): string {
  return `${q(col)} IS NOT NULL`;
}
