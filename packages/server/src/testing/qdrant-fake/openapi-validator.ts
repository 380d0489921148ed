import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';

/**
 * Request and response validation against Qdrant's OpenAPI 3.0 document (server 1.19), vendored next to
 * this file from `shared/specs/qdrant-openapi.json` so tests run on a fresh clone. OpenAPI 3.0 `nullable`
 * is rewritten to JSON Schema `null` types (as protocol-samples.md did), Qdrant's integer formats
 * (uint, uint64, ...) become range checks, and every `$ref` resolves inside the document.
 */
export const QDRANT_OPENAPI_PATH = new URL('./qdrant-openapi.json', import.meta.url);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonObject;
}

interface OperationSpec {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonObject }> };
  responses?: Record<string, { content?: Record<string, { schema?: JsonObject }> }>;
}

export interface MatchedOperation {
  operationId: string;
  method: string;
  template: string;
  pathParams: Record<string, string>;
}

export interface ValidationResult {
  ok: boolean;
  /** One line per problem, `where: message`. */
  errors: string[];
}

interface CompiledOperation {
  operationId: string;
  method: string;
  template: string;
  pattern: RegExp;
  paramNames: string[];
  /** Literal (non-parameter) segments, to prefer `/collections/aliases` over `/collections/{name}`. */
  literalSegments: number;
  query: ValidateFunction | null;
  queryNames: Set<string>;
  body: ValidateFunction | null;
  bodyRequired: boolean;
  responses: Map<string, ValidateFunction>;
}

const SPEC_ID = 'qdrant-openapi';

export interface QdrantOpenApiValidator {
  version: string;
  /** The operation for a method and path (without base path), or null when the spec has none. */
  match(method: string, path: string): MatchedOperation | null;
  validateRequest(
    op: MatchedOperation,
    request: { query: URLSearchParams; body: unknown; hasBody: boolean },
  ): ValidationResult;
  validateResponse(op: MatchedOperation, status: number, body: unknown): ValidationResult;
}

let cached: QdrantOpenApiValidator | undefined;

/** Compiles the spec once per process (about a second); later calls share it. */
export function loadQdrantOpenApiValidator(): QdrantOpenApiValidator {
  cached ??= buildValidator(JSON.parse(readFileSync(QDRANT_OPENAPI_PATH, 'utf8')) as JsonObject);
  return cached;
}

function buildValidator(rawSpec: JsonObject): QdrantOpenApiValidator {
  const spec = toJsonSchema(rawSpec) as JsonObject;
  const components = (spec.components ?? {}) as JsonObject;
  const bodyAjv = newAjv(false);
  const queryAjv = newAjv(true);
  for (const ajv of [bodyAjv, queryAjv]) ajv.addSchema({ $id: SPEC_ID, components }, SPEC_ID);

  const operations: CompiledOperation[] = [];
  for (const [template, methods] of Object.entries(spec.paths as JsonObject)) {
    for (const [method, rawOp] of Object.entries(methods as JsonObject)) {
      const op = rawOp as unknown as OperationSpec;
      const paramNames = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
      const pattern = new RegExp(
        `^${template
          .split(/\{[^}]+\}/)
          .map(escapeRegExp)
          .join('([^/]+)')}$`,
      );
      const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query');
      const query =
        queryParams.length === 0
          ? null
          : queryAjv.compile(
              rewriteRefs({
                type: 'object',
                properties: Object.fromEntries(queryParams.map((p) => [p.name, p.schema ?? {}])),
                required: queryParams.filter((p) => p.required).map((p) => p.name),
                additionalProperties: false,
              }),
            );
      const bodySchema = op.requestBody?.content?.['application/json']?.schema;
      const responses = new Map<string, ValidateFunction>();
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const schema = response.content?.['application/json']?.schema;
        if (schema) responses.set(status, bodyAjv.compile(rewriteRefs(schema)));
      }
      operations.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        template,
        pattern,
        paramNames,
        literalSegments: template.split('/').filter((s) => s && !s.startsWith('{')).length,
        query,
        queryNames: new Set(queryParams.map((p) => p.name)),
        body: bodySchema ? bodyAjv.compile(rewriteRefs(bodySchema)) : null,
        bodyRequired: op.requestBody?.required === true,
        responses,
      });
    }
  }
  operations.sort((a, b) => b.literalSegments - a.literalSegments);
  const byId = new Map(operations.map((o) => [`${o.method} ${o.template}`, o]));
  const compiled = (op: MatchedOperation) => byId.get(`${op.method} ${op.template}`) as CompiledOperation;

  return {
    version: String((rawSpec.info as JsonObject).version),

    match(method, path) {
      for (const op of operations) {
        if (op.method !== method.toUpperCase()) continue;
        const m = op.pattern.exec(path);
        if (!m) continue;
        const pathParams: Record<string, string> = {};
        op.paramNames.forEach((name, i) => {
          pathParams[name] = decodeURIComponent(m[i + 1] as string);
        });
        return { operationId: op.operationId, method: op.method, template: op.template, pathParams };
      }
      return null;
    },

    validateRequest(op, { query, body, hasBody }) {
      const c = compiled(op);
      const errors: string[] = [];
      const params: Record<string, string> = {};
      for (const [name, value] of query) {
        if (name in params) errors.push(`query.${name}: repeated`);
        params[name] = value;
      }
      if (c.query) {
        if (!c.query(params)) errors.push(...describe('query', c.query.errors));
      } else if (Object.keys(params).length > 0) {
        errors.push(
          `query: ${op.operationId} takes no query parameters, got ${Object.keys(params).join(', ')}`,
        );
      }
      if (c.body) {
        if (!hasBody) {
          if (c.bodyRequired) errors.push('body: required');
        } else if (!c.body(body)) {
          errors.push(...describe('body', c.body.errors));
        }
      } else if (hasBody) {
        errors.push(`body: ${op.operationId} takes no request body`);
      }
      return { ok: errors.length === 0, errors };
    },

    validateResponse(op, status, body) {
      const c = compiled(op);
      const validate =
        c.responses.get(String(status)) ??
        c.responses.get(`${String(status)[0]}XX`) ??
        (status >= 400 ? c.responses.get('default') : undefined);
      if (!validate)
        return { ok: false, errors: [`response: the spec has no ${status} response for ${op.operationId}`] };
      return validate(body)
        ? { ok: true, errors: [] }
        : { ok: false, errors: describe('response', validate.errors) };
    },
  };
}

function newAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: false, coerceTypes, validateFormats: true });
  addFormats(ajv);
  const integer = (min: number, max: number) => ({
    type: 'number' as const,
    validate: (n: number) => Number.isInteger(n) && n >= min && n <= max,
  });
  ajv.addFormat('uint', integer(0, Number.MAX_SAFE_INTEGER));
  ajv.addFormat('uint64', integer(0, Number.MAX_SAFE_INTEGER));
  ajv.addFormat('uint32', integer(0, 2 ** 32 - 1));
  ajv.addFormat('uint16', integer(0, 2 ** 16 - 1));
  ajv.addFormat('uint8', integer(0, 255));
  ajv.addFormat('int64', integer(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
  ajv.addFormat('int32', integer(-(2 ** 31), 2 ** 31 - 1));
  ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat('binary', true);
  ajv.addFormat('partial-date-time', true);
  return ajv;
}

/** ajv-formats is CommonJS with `exports.default`; its namespace shape differs between Node and Vite. */
function addFormats(ajv: Ajv): void {
  const mod = ajvFormats as unknown as { default?: unknown };
  let plugin: unknown = mod.default ?? mod;
  if (typeof plugin !== 'function') plugin = (plugin as { default?: unknown }).default;
  (plugin as (ajv: Ajv) => void)(ajv);
}

/** OpenAPI 3.0 -> JSON Schema: `nullable: true` becomes an explicit null alternative. */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' || key === 'example' || key === 'examples') continue;
    out[key] = key === 'properties' || key === 'paths' ? mapValues(value, toJsonSchema) : toJsonSchema(value);
  }
  if (node.nullable !== true) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    return out;
  }
  const hasSchema = ['$ref', 'anyOf', 'oneOf', 'allOf', 'type', 'properties', 'items', 'enum'].some(
    (k) => k in out,
  );
  if (!hasSchema) return { ...out, type: 'null' };
  return { anyOf: [out, { type: 'null' }] };
}

function mapValues(value: Json, fn: (v: Json) => Json): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fn(value);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fn(v)]));
}

/** Schemas compiled on their own point their `#/components/...` refs at the registered spec document. */
function rewriteRefs(node: Json): JsonObject {
  const rewrite = (n: Json): Json => {
    if (Array.isArray(n)) return n.map(rewrite);
    if (n === null || typeof n !== 'object') return n;
    return Object.fromEntries(
      Object.entries(n).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${SPEC_ID}${v}` : rewrite(v),
      ]),
    );
  };
  return rewrite(node) as JsonObject;
}

function describe(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const params = Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : '';
    return `${where}${e.instancePath.replace(/\//g, '.')}: ${e.message ?? 'invalid'}${params}`;
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
