/**
 * Metadata filters on the wire use a small MongoDB-style language:
 *   { "lang": "en" }                       equality
 *   { "year": { "$gte": 2020, "$lt": 2024 } } range
 *   { "tag": { "$in": ["a", "b"] } }        membership
 *   { "$and": [...] } { "$or": [...] } { "$not": {...} }
 * The server parses it into the `Filter` tree below, which adapters translate.
 */
export type Scalar = string | number | boolean;

export type Filter =
  | { op: 'and'; filters: Filter[] }
  | { op: 'or'; filters: Filter[] }
  | { op: 'not'; filter: Filter }
  | { op: 'eq'; field: string; value: Scalar }
  | { op: 'ne'; field: string; value: Scalar }
  | { op: 'in'; field: string; values: Scalar[] }
  | { op: 'range'; field: string; gt?: number; gte?: number; lt?: number; lte?: number };

export type FilterInput = Record<string, unknown>;

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export class FilterSyntaxError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

export function parseFilter(input: unknown, path = 'filter'): Filter {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FilterSyntaxError(path, 'must be an object');
  }
  const parts: Filter[] = [];
  for (const [key, value] of Object.entries(input)) {
    const at = `${path}.${key}`;
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0)
        throw new FilterSyntaxError(at, 'must be a non-empty array');
      parts.push({
        op: key === '$and' ? 'and' : 'or',
        filters: value.map((v, i) => parseFilter(v, `${at}[${i}]`)),
      });
    } else if (key === '$not') {
      parts.push({ op: 'not', filter: parseFilter(value, at) });
    } else if (key.startsWith('$')) {
      throw new FilterSyntaxError(at, `unknown operator ${key}`);
    } else {
      if (!FIELD_NAME.test(key)) throw new FilterSyntaxError(at, 'field names are letters, digits and _');
      parts.push(...parseFieldCondition(key, value, at));
    }
  }
  if (parts.length === 0) throw new FilterSyntaxError(path, 'must not be empty');
  return parts.length === 1 ? (parts[0] as Filter) : { op: 'and', filters: parts };
}

function parseFieldCondition(field: string, value: unknown, at: string): Filter[] {
  if (isScalar(value)) return [{ op: 'eq', field, value }];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FilterSyntaxError(at, 'must be a string, number, boolean or an operator object');
  }
  const out: Filter[] = [];
  const range: { gt?: number; gte?: number; lt?: number; lte?: number } = {};
  for (const [op, operand] of Object.entries(value)) {
    const opAt = `${at}.${op}`;
    switch (op) {
      case '$eq':
      case '$ne':
        if (!isScalar(operand)) throw new FilterSyntaxError(opAt, 'must be a string, number or boolean');
        out.push({ op: op === '$eq' ? 'eq' : 'ne', field, value: operand });
        break;
      case '$in':
        if (!Array.isArray(operand) || operand.length === 0 || !operand.every(isScalar)) {
          throw new FilterSyntaxError(opAt, 'must be a non-empty array of scalars');
        }
        out.push({ op: 'in', field, values: operand });
        break;
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        if (typeof operand !== 'number' || !Number.isFinite(operand)) {
          throw new FilterSyntaxError(opAt, 'must be a finite number');
        }
        range[op.slice(1) as 'gt' | 'gte' | 'lt' | 'lte'] = operand;
        break;
      default:
        throw new FilterSyntaxError(opAt, `unknown operator ${op}`);
    }
  }
  if (Object.keys(range).length > 0) out.push({ op: 'range', field, ...range });
  if (out.length === 0) throw new FilterSyntaxError(at, 'must not be empty');
  return out;
}

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}
