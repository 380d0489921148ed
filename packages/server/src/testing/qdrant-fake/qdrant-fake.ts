import { HttpResponse, http, type RequestHandler } from 'msw';
import { loadQdrantOpenApiValidator, type MatchedOperation } from './openapi-validator.js';
import {
  type FakeCollection,
  type FakePoint,
  FakeUnsupportedError,
  type Json,
  pointKey,
  QdrantEngine,
  QdrantHttpError,
  type ScoredResult,
} from './qdrant-engine.js';

export interface QdrantFakeOptions {
  /** Where the client points, e.g. `http://qdrant.test:6333`. */
  baseUrl: string;
  /** Answered by `GET /`. Default 1.19.0 (the spec's server version). */
  version?: string;
}

export interface RecordedRequest {
  method: string;
  /** Path below baseUrl, e.g. `/collections/x/points/query`. */
  path: string;
  operationId: string | null;
  query: Record<string, string>;
  body: unknown;
}

/** A problem the fake saw: a request that breaks the spec, an unknown route, or a feature it does not model. */
export interface QdrantFakeViolation {
  kind: 'request' | 'response' | 'route' | 'unsupported';
  method: string;
  path: string;
  errors: string[];
}

export interface InjectedFailure {
  /** Only requests whose `METHOD path` matches (default: every request). */
  match?: RegExp;
  status: number;
  /** Qdrant's `status.error` message. */
  error?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
  headers?: Record<string, string>;
}

export interface QdrantFakeState {
  engine: QdrantEngine;
  collections: Map<string, FakeCollection>;
  /** Alias name -> collection name. */
  aliases: Map<string, string>;
  requests: RecordedRequest[];
  violations: QdrantFakeViolation[];
  /** Makes the next matching requests fail with a Qdrant error envelope (a 500, 404, 429...). */
  failNext(failure: InjectedFailure): void;
  /** Throws, listing every violation, when there is any: call it in afterEach. */
  assertNoViolations(): void;
  reset(): void;
}

/**
 * msw 2 handlers that act as a Qdrant 1.19 server. Every request is matched to an operation of the
 * vendored OpenAPI spec and its query parameters and JSON body are validated with ajv; a violation is
 * answered 400 in Qdrant's error shape AND recorded, so `state.assertNoViolations()` fails the test even
 * when the code under test swallowed the error. Routes outside the spec, operations the fake does not
 * implement and features it does not model are recorded too (501), never answered plausibly. Successful
 * responses are validated against the spec's response schemas as well (a broken fake is a violation).
 */
export function createQdrantFake(options: QdrantFakeOptions): {
  handlers: RequestHandler[];
  state: QdrantFakeState;
} {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, '');
  const validator = loadQdrantOpenApiValidator();
  const engine = new QdrantEngine();
  const failures: InjectedFailure[] = [];

  const state: QdrantFakeState = {
    engine,
    collections: engine.collections,
    aliases: engine.aliases,
    requests: [],
    violations: [],
    failNext(failure) {
      failures.push({ times: 1, ...failure });
    },
    assertNoViolations() {
      if (state.violations.length === 0) return;
      const lines = state.violations.map(
        (v) => `${v.kind} ${v.method} ${v.path}\n    ${v.errors.join('\n    ')}`,
      );
      throw new Error(`Qdrant fake saw ${state.violations.length} violation(s):\n  ${lines.join('\n  ')}`);
    },
    reset() {
      engine.collections.clear();
      engine.aliases.clear();
      state.requests.length = 0;
      state.violations.length = 0;
      failures.length = 0;
    },
  };

  const violation = (v: QdrantFakeViolation, status: number) => {
    state.violations.push(v);
    console.error(`[qdrant-fake] ${v.kind} violation: ${v.method} ${v.path}: ${v.errors.join('; ')}`);
    return errorResponse(status, `Qdrant fake: ${v.kind} violation: ${v.errors.join('; ')}`);
  };

  const escaped = baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const handler = http.all(new RegExp(`^${escaped}(/[^?#]*)?(\\?[^#]*)?$`), async ({ request }) => {
    const url = new URL(request.url);
    const path = url.pathname.slice(basePath.length) || '/';
    const method = request.method.toUpperCase();
    const text = await request.text();
    const hasBody = text.length > 0;
    let body: unknown;
    const op = validator.match(method, path);
    state.requests.push({
      method,
      path,
      operationId: op?.operationId ?? null,
      query: Object.fromEntries(url.searchParams),
      body: safeJson(text),
    });
    if (!op)
      return violation(
        { kind: 'route', method, path, errors: ['no such operation in the Qdrant spec'] },
        404,
      );

    const failure = failures.find((f) => !f.match || f.match.test(`${method} ${path}`));
    if (failure) {
      failure.times = (failure.times ?? 1) - 1;
      if (failure.times <= 0) failures.splice(failures.indexOf(failure), 1);
      return errorResponse(
        failure.status,
        failure.error ?? 'Service internal error: injected failure',
        failure.headers,
      );
    }

    if (hasBody) {
      try {
        body = JSON.parse(text);
      } catch (error) {
        const message = `Format error in JSON body: ${(error as Error).message}`;
        return violation({ kind: 'request', method, path, errors: [message] }, 400);
      }
    }
    const checked = validator.validateRequest(op, { query: url.searchParams, body, hasBody });
    if (!checked.ok) return violation({ kind: 'request', method, path, errors: checked.errors }, 400);

    const t0 = performance.now();
    let status = 200;
    let payload: unknown;
    try {
      const result = route(
        engine,
        op,
        body as Record<string, unknown>,
        url.searchParams,
        options.version ?? '1.19.0',
      );
      payload =
        op.operationId === 'root' ? result : { result, status: 'ok', time: (performance.now() - t0) / 1000 };
    } catch (error) {
      if (error instanceof FakeUnsupportedError) {
        return violation({ kind: 'unsupported', method, path, errors: [error.message] }, 501);
      }
      if (!(error instanceof QdrantHttpError)) throw error;
      status = error.status;
      payload = { status: { error: error.message }, time: (performance.now() - t0) / 1000 };
    }
    const response = validator.validateResponse(op, status, payload);
    if (!response.ok) state.violations.push({ kind: 'response', method, path, errors: response.errors });
    return HttpResponse.json(payload as Json, { status });
  });

  return { handlers: [handler], state };
}

function route(
  engine: QdrantEngine,
  op: MatchedOperation,
  body: Record<string, unknown>,
  query: URLSearchParams,
  version: string,
): unknown {
  const name = op.pathParams.collection_name ?? '';
  const wait = query.get('wait') === 'true';
  const update = (operationId: number) => ({
    operation_id: operationId,
    status: wait ? 'completed' : 'acknowledged',
  });
  switch (op.operationId) {
    case 'root':
      return {
        title: 'qdrant - vector search engine',
        version,
        commit: 'fake0000000000000000000000000000000000000',
      };
    case 'get_collections':
      return { collections: [...engine.collections.keys()].map((n) => ({ name: n })) };
    case 'get_collections_aliases':
      return {
        aliases: [...engine.aliases].map(([alias_name, collection_name]) => ({
          alias_name,
          collection_name,
        })),
      };
    case 'update_aliases':
      engine.updateAliases(body.actions as Record<string, unknown>[]);
      return true;
    case 'collection_exists':
      return { exists: engine.collections.has(name) };
    case 'create_collection':
      engine.createCollection(name, body ?? {});
      return true;
    case 'get_collection':
      return collectionInfo(engine.get(name));
    case 'delete_collection':
      return engine.deleteCollection(name);
    case 'create_field_index':
      return update(engine.createIndex(name, body));
    case 'upsert_points':
      return update(engine.upsert(engine.get(name), body));
    case 'delete_points':
      return update(engine.delete(engine.get(name), body));
    case 'batch_update':
      return engine.batch(engine.get(name), body.operations as Record<string, unknown>[]).map(update);
    case 'count_points':
      return { count: engine.count(engine.get(name), body?.filter as Record<string, unknown> | undefined) };
    case 'scroll_points': {
      const c = engine.get(name);
      const { points, next } = engine.scroll(c, body ?? {});
      const out = (p: FakePoint) => record(p, body?.with_payload ?? true, body?.with_vector ?? false);
      return { points: points.map(out), next_page_offset: next };
    }
    case 'get_points': {
      const c = engine.get(name);
      const found = (body.ids as (number | string)[])
        .map((id) => c.points.get(pointKey(id)))
        .filter((p): p is FakePoint => p !== undefined);
      return found.map((p) => record(p, body.with_payload ?? true, body.with_vector ?? false));
    }
    case 'query_points':
      return { points: scored(engine.query(engine.get(name), body ?? {}), body ?? {}) };
    case 'query_batch_points': {
      const c = engine.get(name);
      return (body.searches as Record<string, unknown>[]).map((search) => ({
        points: scored(engine.query(c, search), search),
      }));
    }
    default:
      throw new FakeUnsupportedError(`operation ${op.operationId} is not implemented by the fake`);
  }
}

function scored(results: ScoredResult[], request: Record<string, unknown>) {
  return results.map(({ point, score }) => ({
    ...record(point, request.with_payload ?? false, request.with_vector ?? false),
    version: point.version,
    score,
  }));
}

function record(point: FakePoint, withPayload: unknown, withVector: unknown) {
  const out: Record<string, unknown> = { id: point.id };
  const payload = selectPayload(point.payload, withPayload);
  if (payload) out.payload = payload;
  if (withVector === true || Array.isArray(withVector)) {
    const names = withVector === true ? [...point.vectors.keys()] : (withVector as string[]);
    const vector: Record<string, unknown> = {};
    for (const name of names) {
      const v = point.vectors.get(name);
      if (v) vector[name] = Array.isArray(v) ? [...v] : { indices: [...v.indices], values: [...v.values] };
    }
    out.vector = vector;
  } else if (withVector !== false && withVector !== null && withVector !== undefined) {
    throw new FakeUnsupportedError('with_vector of that shape');
  }
  return out;
}

function selectPayload(payload: Record<string, Json>, selector: unknown): Record<string, Json> | null {
  if (selector === false || selector === null || selector === undefined) return null;
  if (selector === true) return structuredClone(payload);
  if (Array.isArray(selector)) {
    if (selector.some((key) => String(key).includes('.')))
      throw new FakeUnsupportedError('nested with_payload keys');
    return Object.fromEntries(
      selector.filter((k) => k in payload).map((k) => [k, structuredClone(payload[k] as Json)]),
    );
  }
  throw new FakeUnsupportedError('with_payload include/exclude selectors');
}

function collectionInfo(c: FakeCollection) {
  const payloadSchema: Record<string, unknown> = {};
  for (const [field, entry] of c.payloadSchema) {
    let points = 0;
    for (const p of c.points.values()) if (hasPath(p.payload, field)) points++;
    payloadSchema[field] = { ...entry, points };
  }
  return {
    status: 'green',
    optimizer_status: 'ok',
    indexed_vectors_count: 0,
    points_count: c.points.size,
    segments_count: 1,
    config: {
      params: {
        vectors: c.vectorsConfig,
        shard_number: 1,
        replication_factor: 1,
        write_consistency_factor: 1,
        on_disk_payload: true,
        sparse_vectors: c.sparseConfig,
      },
      hnsw_config: {
        m: 16,
        ef_construct: 100,
        full_scan_threshold: 10000,
        max_indexing_threads: 0,
        on_disk: false,
      },
      optimizer_config: {
        deleted_threshold: 0.2,
        vacuum_min_vector_number: 1000,
        default_segment_number: 0,
        max_segment_size: null,
        memmap_threshold: null,
        indexing_threshold: 10000,
        flush_interval_sec: 5,
        max_optimization_threads: null,
      },
      wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
      quantization_config: null,
    },
    payload_schema: payloadSchema,
  };
}

function hasPath(payload: Record<string, Json>, key: string): boolean {
  let current: Json = payload;
  for (const part of key.split('.')) {
    if (!current || typeof current !== 'object' || Array.isArray(current) || !(part in current)) return false;
    current = current[part] as Json;
  }
  return current !== null;
}

function errorResponse(status: number, error: string, headers?: Record<string, string>) {
  return HttpResponse.json({ status: { error }, time: 0.000012 }, { status, headers });
}

function safeJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
