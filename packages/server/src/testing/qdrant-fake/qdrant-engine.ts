/**
 * The in-memory semantics of the Qdrant operations Ragline uses, following Qdrant 1.19's documented
 * behaviour: Cosine vectors are stored unit-normalised and every vector and score is float32; sparse
 * vectors with `modifier: "idf"` are scored as sum(query * doc * idf) with
 * idf = ln(1 + (N - n + 0.5) / (n + 0.5)) over the collection's points that have the vector; RRF is
 * Qdrant's `1 / ((position + 1) / weight + k - 1)` (position 0-based, k = 2 by default). Anything the fake
 * does not model throws FakeUnsupportedError instead of answering something plausible.
 */

export type PointId = number | string;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = Record<string, unknown>;

export interface SparseVectorValue {
  indices: number[];
  values: number[];
}

export interface FakePoint {
  id: PointId;
  vectors: Map<string, number[] | SparseVectorValue>;
  payload: Record<string, Json>;
  version: number;
}

export interface DenseConfig {
  size: number;
  distance: 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan';
  raw: Obj;
}

export interface FakeCollection {
  name: string;
  dense: Map<string, DenseConfig>;
  sparse: Map<string, { modifier: 'none' | 'idf' }>;
  /** Raw `vectors` / `sparse_vectors` as created, echoed in the collection info. */
  vectorsConfig: Obj;
  sparseConfig: Obj;
  payloadSchema: Map<string, { data_type: string; params?: Obj }>;
  points: Map<string, FakePoint>;
  operationId: number;
}

/** An error Qdrant itself would return: status and `status.error` message. */
export class QdrantHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A request the spec allows but this fake does not model: the test must fail, not get a made-up answer. */
export class FakeUnsupportedError extends Error {}

export interface ScoredResult {
  point: FakePoint;
  score: number;
}

const f32 = Math.fround;

export function pointKey(id: PointId): string {
  return typeof id === 'number' ? `n:${id}` : `u:${id.toLowerCase()}`;
}

/** Qdrant orders ids numbers first, then UUIDs by value (= lowercase hex string order). */
export function compareIds(a: PointId, b: PointId): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

export class QdrantEngine {
  readonly collections = new Map<string, FakeCollection>();
  /** Alias name -> collection name. Every collection operation accepts an alias in place of the name. */
  readonly aliases = new Map<string, string>();

  get(name: string): FakeCollection {
    const c = this.collections.get(this.aliases.get(name) ?? name);
    if (!c) throw new QdrantHttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return c;
  }

  createCollection(name: string, body: Obj): void {
    if (name.length === 0 || name.length > 255 || /[<>:"/\\|?*\0]/.test(name)) {
      throw new QdrantHttpError(
        422,
        `Validation error in path parameters: [name: collection name "${name}" is invalid]`,
      );
    }
    if (this.collections.has(name)) {
      throw new QdrantHttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
    }
    if (this.aliases.has(name)) throw new FakeUnsupportedError('a collection named like an existing alias');
    const vectors = (body.vectors ?? {}) as Obj;
    const dense = new Map<string, DenseConfig>();
    const single = typeof vectors.size === 'number';
    for (const [vectorName, params] of Object.entries(single ? { '': vectors } : vectors)) {
      const p = params as Obj;
      if (p.multivector_config || p.datatype)
        throw new FakeUnsupportedError(`vector options of ${vectorName}`);
      dense.set(vectorName, {
        size: p.size as number,
        distance: p.distance as DenseConfig['distance'],
        raw: p,
      });
    }
    const sparse = new Map<string, { modifier: 'none' | 'idf' }>();
    for (const [vectorName, params] of Object.entries((body.sparse_vectors ?? {}) as Obj)) {
      const modifier = ((params as Obj | null)?.modifier ?? 'none') as 'none' | 'idf';
      sparse.set(vectorName, { modifier });
    }
    this.collections.set(name, {
      name,
      dense,
      sparse,
      vectorsConfig: vectors,
      sparseConfig: (body.sparse_vectors ?? {}) as Obj,
      payloadSchema: new Map(),
      points: new Map(),
      operationId: 0,
    });
  }

  /** Deleting a collection deletes the aliases that point to it, as in Qdrant. */
  deleteCollection(name: string): boolean {
    for (const [alias, target] of this.aliases) if (target === name) this.aliases.delete(alias);
    return this.collections.delete(name);
  }

  /**
   * `POST /collections/aliases`: the actions apply in order and all or none (checked first, as Qdrant
   * applies them atomically). Deleting a missing alias is a no-op ("Delete alias if exists" in the spec);
   * creating an alias over an existing one or a collection's name is not modelled.
   */
  updateAliases(actions: Obj[]): void {
    const next = new Map(this.aliases);
    for (const action of actions) {
      if (action.create_alias) {
        const { collection_name, alias_name } = action.create_alias as Record<string, string>;
        if (!this.collections.has(collection_name as string)) {
          throw new QdrantHttpError(404, `Not found: Collection \`${collection_name}\` doesn't exist!`);
        }
        if (next.has(alias_name as string) || this.collections.has(alias_name as string)) {
          throw new FakeUnsupportedError('create_alias over an existing alias or collection name');
        }
        next.set(alias_name as string, collection_name as string);
      } else if (action.delete_alias) {
        next.delete((action.delete_alias as Record<string, string>).alias_name as string);
      } else {
        throw new FakeUnsupportedError(`alias operation ${Object.keys(action).join(', ')}`);
      }
    }
    this.aliases.clear();
    for (const [alias, target] of next) this.aliases.set(alias, target);
  }

  createIndex(name: string, body: Obj): number {
    const c = this.get(name);
    const schema = body.field_schema;
    if (schema === undefined || schema === null)
      throw new FakeUnsupportedError('payload index without field_schema');
    const entry =
      typeof schema === 'string'
        ? { data_type: schema }
        : { data_type: String((schema as Obj).type), params: schema as Obj };
    c.payloadSchema.set(String(body.field_name), entry);
    return ++c.operationId;
  }

  /** Upserts all points or none (each point is checked before any is written). */
  upsert(c: FakeCollection, body: Obj): number {
    if (body.batch) throw new FakeUnsupportedError('upsert in batch (column) format');
    if (body.update_filter || body.update_mode || body.shard_key)
      throw new FakeUnsupportedError('upsert options');
    const points = (body.points as Obj[]).map((p) => this.toPoint(c, p));
    const version = ++c.operationId;
    for (const point of points) {
      point.version = version;
      c.points.set(pointKey(point.id), point);
    }
    return version;
  }

  delete(c: FakeCollection, selector: Obj): number {
    if (selector.shard_key) throw new FakeUnsupportedError('shard_key');
    if (Array.isArray(selector.points)) {
      for (const id of selector.points as PointId[]) c.points.delete(pointKey(id));
    } else {
      const filter = selector.filter as Obj;
      for (const [key, point] of c.points) if (matchesFilter(filter, point)) c.points.delete(key);
    }
    return ++c.operationId;
  }

  /** Operations run in order; one that fails stops the batch, earlier ones stay applied (as in Qdrant). */
  batch(c: FakeCollection, operations: Obj[]): number[] {
    return operations.map((op) => {
      if (op.upsert) return this.upsert(c, op.upsert as Obj);
      if (op.delete) return this.delete(c, op.delete as Obj);
      throw new FakeUnsupportedError(`batch operation ${Object.keys(op).join(', ')}`);
    });
  }

  count(c: FakeCollection, filter: Obj | null | undefined): number {
    let n = 0;
    for (const point of c.points.values()) if (!filter || matchesFilter(filter, point)) n++;
    return n;
  }

  scroll(c: FakeCollection, body: Obj): { points: FakePoint[]; next: PointId | null } {
    if (body.order_by) throw new FakeUnsupportedError('scroll order_by');
    const limit = (body.limit as number | null | undefined) ?? 10;
    const offset = body.offset as PointId | null | undefined;
    const filter = body.filter as Obj | null | undefined;
    const all = [...c.points.values()]
      .filter((p) => (offset === undefined || offset === null ? true : compareIds(p.id, offset) >= 0))
      .filter((p) => !filter || matchesFilter(filter, p))
      .sort((a, b) => compareIds(a.id, b.id));
    return { points: all.slice(0, limit), next: all[limit]?.id ?? null };
  }

  query(c: FakeCollection, request: Obj, outerFilter?: Obj): ScoredResult[] {
    if (request.lookup_from || request.params || request.shard_key) {
      throw new FakeUnsupportedError('query lookup_from/params/shard_key');
    }
    const filter = combineFilters(outerFilter, request.filter as Obj | null | undefined);
    const limit = (request.limit as number | null | undefined) ?? 10;
    const offset = (request.offset as number | null | undefined) ?? 0;
    const threshold = request.score_threshold as number | null | undefined;
    const prefetch = request.prefetch;
    let results: ScoredResult[];
    if (prefetch !== undefined && prefetch !== null) {
      const prefetches = (Array.isArray(prefetch) ? prefetch : [prefetch]) as Obj[];
      const lists = prefetches.map((p) => this.query(c, p, filter));
      results = fuse(lists, request.query);
    } else {
      results = this.nearest(c, request, filter);
    }
    if (threshold !== undefined && threshold !== null) results = results.filter((r) => r.score >= threshold);
    return results.slice(offset, offset + limit);
  }

  private nearest(c: FakeCollection, request: Obj, filter: Obj | undefined): ScoredResult[] {
    let query = request.query as unknown;
    if (query && typeof query === 'object' && !Array.isArray(query) && 'nearest' in (query as Obj)) {
      if ((query as Obj).mmr) throw new FakeUnsupportedError('nearest with mmr');
      query = (query as Obj).nearest;
    }
    const using = (request.using as string | null | undefined) ?? '';
    const candidates = [...c.points.values()].filter((p) => !filter || matchesFilter(filter, p));
    let results: ScoredResult[];
    if (Array.isArray(query) && query.every((x) => typeof x === 'number')) {
      const config = c.dense.get(using);
      if (!config) throw new QdrantHttpError(400, `Wrong input: Not existing vector name error: ${using}`);
      if (query.length !== config.size) {
        throw new QdrantHttpError(
          400,
          `Wrong input: Vector dimension error: expected dim: ${config.size}, got ${query.length}`,
        );
      }
      if (config.distance !== 'Cosine' && config.distance !== 'Dot') {
        throw new FakeUnsupportedError(`${config.distance} distance`);
      }
      const q = config.distance === 'Cosine' ? normalize(query as number[]) : (query as number[]).map(f32);
      results = [];
      for (const point of candidates) {
        const v = point.vectors.get(using);
        if (Array.isArray(v)) results.push({ point, score: f32(dot(q, v)) });
      }
    } else if (isSparse(query)) {
      const config = c.sparse.get(using);
      if (!config) throw new QdrantHttpError(400, `Wrong input: Not existing vector name error: ${using}`);
      const idf = config.modifier === 'idf' ? idfOf(c, using, query.indices) : null;
      results = [];
      for (const point of candidates) {
        const v = point.vectors.get(using);
        if (!v || Array.isArray(v)) continue;
        const values = new Map(v.indices.map((index, i) => [index, v.values[i] as number]));
        let score = 0;
        let overlap = false;
        query.indices.forEach((index, i) => {
          const d = values.get(index);
          if (d === undefined) return;
          overlap = true;
          score += ((query as SparseVectorValue).values[i] ?? 0) * d * (idf?.get(index) ?? 1);
        });
        if (overlap) results.push({ point, score: f32(score) });
      }
    } else {
      throw new FakeUnsupportedError(`query ${JSON.stringify(query)?.slice(0, 80)}`);
    }
    return results.sort((a, b) => b.score - a.score || compareIds(a.point.id, b.point.id));
  }

  private toPoint(c: FakeCollection, raw: Obj): FakePoint {
    const vectors = new Map<string, number[] | SparseVectorValue>();
    const vector = raw.vector;
    if (Array.isArray(vector)) {
      this.addDense(c, vectors, '', vector as number[]);
    } else if (vector && typeof vector === 'object') {
      if ('text' in (vector as Obj) || 'image' in (vector as Obj) || 'object' in (vector as Obj)) {
        throw new FakeUnsupportedError('inference vectors');
      }
      for (const [name, value] of Object.entries(vector as Obj)) {
        if (Array.isArray(value)) this.addDense(c, vectors, name, value as number[]);
        else if (isSparse(value)) {
          if (!c.sparse.has(name))
            throw new QdrantHttpError(400, `Wrong input: Not existing vector name error: ${name}`);
          if (value.indices.length !== value.values.length) {
            throw new QdrantHttpError(
              422,
              'Validation error in JSON body: [indices: must be the same length as values]',
            );
          }
          if (new Set(value.indices).size !== value.indices.length) {
            throw new QdrantHttpError(422, 'Validation error in JSON body: [indices: must be unique]');
          }
          vectors.set(name, { indices: [...value.indices], values: value.values.map(f32) });
        } else throw new FakeUnsupportedError(`vector ${name} of that shape`);
      }
    }
    return {
      id: raw.id as PointId,
      vectors,
      payload: structuredClone((raw.payload ?? {}) as Record<string, Json>),
      version: 0,
    };
  }

  private addDense(c: FakeCollection, vectors: FakePoint['vectors'], name: string, value: number[]): void {
    const config = c.dense.get(name);
    if (!config) throw new QdrantHttpError(400, `Wrong input: Not existing vector name error: ${name}`);
    if (value.length !== config.size) {
      throw new QdrantHttpError(
        400,
        `Wrong input: Vector dimension error: expected dim: ${config.size}, got ${value.length}`,
      );
    }
    vectors.set(name, config.distance === 'Cosine' ? normalize(value) : value.map(f32));
  }
}

function isSparse(v: unknown): v is SparseVectorValue {
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as Obj).indices) &&
    Array.isArray((v as Obj).values)
  );
}

function normalize(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? v.map(f32) : v.map((x) => f32(x / norm));
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function idfOf(c: FakeCollection, using: string, indices: number[]): Map<number, number> {
  let total = 0;
  const df = new Map(indices.map((i) => [i, 0]));
  for (const point of c.points.values()) {
    const v = point.vectors.get(using);
    if (!v || Array.isArray(v)) continue;
    total++;
    for (const index of v.indices) if (df.has(index)) df.set(index, (df.get(index) as number) + 1);
  }
  return new Map([...df].map(([i, n]) => [i, Math.log(1 + (total - n + 0.5) / (n + 0.5))]));
}

function fuse(lists: ScoredResult[][], query: unknown): ScoredResult[] {
  let k = 2;
  let weights: number[] | null = null;
  const q = (query ?? {}) as Obj;
  if (q.fusion === 'rrf') {
    // default parameters
  } else if (q.rrf && typeof q.rrf === 'object') {
    const rrf = q.rrf as Obj;
    k = (rrf.k as number | null | undefined) ?? 2;
    weights = (rrf.weights as number[] | null | undefined) ?? null;
    if (weights && weights.length !== lists.length) {
      throw new QdrantHttpError(
        422,
        `Validation error in JSON body: Number of weights in RRF should match number of pre-fetches: got ${weights.length}, expected ${lists.length}`,
      );
    }
  } else {
    throw new FakeUnsupportedError(`query over prefetches: ${JSON.stringify(query)?.slice(0, 80)}`);
  }
  const fused = new Map<string, ScoredResult>();
  lists.forEach((list, l) => {
    const weight = weights?.[l] ?? 1;
    list.forEach(({ point }, position) => {
      const score = weight <= 0 ? 0 : f32(1 / ((position + 1) / weight + k - 1));
      const key = pointKey(point.id);
      const entry = fused.get(key);
      if (entry) entry.score = f32(entry.score + score);
      else fused.set(key, { point, score });
    });
  });
  return [...fused.values()].sort((a, b) => b.score - a.score || compareIds(a.point.id, b.point.id));
}

function combineFilters(a: Obj | null | undefined, b: Obj | null | undefined): Obj | undefined {
  if (a && b) return { must: [a, b] };
  return a ?? b ?? undefined;
}

const asList = (x: unknown): Obj[] =>
  x === undefined || x === null ? [] : Array.isArray(x) ? (x as Obj[]) : [x as Obj];

export function matchesFilter(filter: Obj, point: FakePoint): boolean {
  const must = asList(filter.must);
  const should = asList(filter.should);
  const mustNot = asList(filter.must_not);
  if (filter.min_should) throw new FakeUnsupportedError('min_should');
  if (!must.every((c) => matchesCondition(c, point))) return false;
  if (should.length > 0 && !should.some((c) => matchesCondition(c, point))) return false;
  return !mustNot.some((c) => matchesCondition(c, point));
}

function matchesCondition(condition: Obj, point: FakePoint): boolean {
  if ('key' in condition) return matchesField(condition, point);
  if ('has_id' in condition) {
    const ids = new Set((condition.has_id as PointId[]).map(pointKey));
    return ids.has(pointKey(point.id));
  }
  if ('is_empty' in condition)
    return valuesAt(point.payload, String((condition.is_empty as Obj).key)).length === 0;
  if ('must' in condition || 'should' in condition || 'must_not' in condition || 'min_should' in condition) {
    return matchesFilter(condition, point);
  }
  throw new FakeUnsupportedError(`condition ${Object.keys(condition).join(', ')}`);
}

function matchesField(condition: Obj, point: FakePoint): boolean {
  const kinds = Object.keys(condition).filter(
    (k) => k !== 'key' && condition[k] !== null && condition[k] !== undefined,
  );
  if (kinds.length !== 1) {
    throw new QdrantHttpError(
      422,
      `Validation error in JSON body: field condition on ${String(condition.key)} needs exactly one check`,
    );
  }
  const values = valuesAt(point.payload, String(condition.key));
  if (condition.match) {
    const match = condition.match as Obj;
    if ('value' in match) return values.some((v) => v === match.value);
    if ('any' in match) return values.some((v) => (match.any as Json[]).includes(v));
    throw new FakeUnsupportedError(`match ${Object.keys(match).join(', ')}`);
  }
  if (condition.range) {
    const r = condition.range as Record<string, unknown>;
    if (Object.values(r).some((x) => typeof x === 'string')) throw new FakeUnsupportedError('datetime range');
    const bound = (name: string) => r[name] as number | null | undefined;
    return values.some(
      (v) =>
        typeof v === 'number' &&
        (bound('gt') == null || v > (bound('gt') as number)) &&
        (bound('gte') == null || v >= (bound('gte') as number)) &&
        (bound('lt') == null || v < (bound('lt') as number)) &&
        (bound('lte') == null || v <= (bound('lte') as number)),
    );
  }
  throw new FakeUnsupportedError(`field condition ${kinds.join(', ')}`);
}

/** Values at a dotted payload path, arrays flattened (Qdrant matches if any element matches). */
export function valuesAt(payload: Record<string, Json>, key: string): Json[] {
  if (key.includes('[') || key.includes('"')) throw new FakeUnsupportedError(`payload path ${key}`);
  let current: Json[] = [payload];
  for (const part of key.split('.')) {
    const next: Json[] = [];
    for (const value of current) {
      if (value && typeof value === 'object' && !Array.isArray(value) && part in value) {
        const v = value[part] as Json;
        if (Array.isArray(v)) next.push(...v);
        else next.push(v);
      }
    }
    current = next;
  }
  return current.filter((v) => v !== null);
}
