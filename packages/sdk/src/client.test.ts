import { describe, expect, it } from 'vitest';
import { Ragline } from './client.js';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIResponseValidationError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  BudgetExceededError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RaglineError,
  RateLimitError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
} from './core/errors.js';

interface Recorded {
  url: string;
  method: string;
  headers: Headers;
  body: BodyInit | null | undefined;
}

type Responder = (req: Recorded, init: RequestInit) => Response | Promise<Response>;

/** A fetch that answers from a queue of responders and records every request. */
function fakeFetch(...responders: Responder[]) {
  const calls: Recorded[] = [];
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const req: Recorded = {
      url: String(input),
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body: init.body,
    };
    calls.push(req);
    const responder = responders[Math.min(calls.length - 1, responders.length - 1)];
    if (!responder) throw new Error('no responder');
    return responder(req, init);
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', 'x-request-id': 'req_hdr', ...headers },
    });

const envelope = (status: number, code: string, headers: Record<string, string> = {}) =>
  json(
    status,
    { error: { code, message: `boom ${code}`, requestId: 'req_1', details: { field: 'x' } } },
    headers,
  );

const collection = {
  name: 'docs',
  embedder: 'local',
  embeddingModel: 'm',
  dimensions: 384,
  description: null,
  documentCount: 3,
  chunkCount: 9,
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
};

function client(
  fetch: typeof globalThis.fetch,
  extra: Partial<ConstructorParameters<typeof Ragline>[0]> = {},
) {
  const sleeps: number[] = [];
  const ragline = new Ragline({
    baseURL: 'http://api.test/',
    apiKey: 'sk_test',
    fetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });
  return { ragline, sleeps };
}

describe('Ragline client', () => {
  it('sends auth and parses a successful response with the contract schema', async () => {
    const { fetch, calls } = fakeFetch(json(201, collection));
    const { ragline } = client(fetch);
    const created = await ragline.collections.create({ name: 'docs', embedder: 'local' });
    expect(created).toEqual(collection);
    const [req] = calls;
    expect(req?.url).toBe('http://api.test/v1/collections');
    expect(req?.method).toBe('POST');
    expect(req?.headers.get('authorization')).toBe('Bearer sk_test');
    expect(req?.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(String(req?.body))).toEqual({ name: 'docs', embedder: 'local' });
  });

  it('calls /health without needing a key and merges default and per-call headers', async () => {
    const { fetch, calls } = fakeFetch(json(200, { status: 'ok', version: '0.1.0' }));
    const ragline = new Ragline({ baseURL: 'http://api.test', fetch, defaultHeaders: { 'x-team': 'a' } });
    expect(await ragline.health({ headers: { 'x-call': 'b' } })).toEqual({ status: 'ok', version: '0.1.0' });
    expect(calls[0]?.url).toBe('http://api.test/health');
    expect(calls[0]?.headers.get('authorization')).toBeNull();
    expect(calls[0]?.headers.get('x-team')).toBe('a');
    expect(calls[0]?.headers.get('x-call')).toBe('b');
    expect(calls[0]?.headers.get('idempotency-key')).toBeNull();
  });

  it('returns undefined for 204 deletes and URL-encodes names', async () => {
    const { fetch, calls } = fakeFetch(() => new Response(null, { status: 204 }));
    const { ragline } = client(fetch);
    await expect(ragline.collections.delete('my coll')).resolves.toBeUndefined();
    expect(calls[0]?.url).toBe('http://api.test/v1/collections/my%20coll');
    expect(calls[0]?.method).toBe('DELETE');
  });

  const table: [number, string, new (...args: never[]) => APIError][] = [
    [400, 'INVALID_REQUEST', BadRequestError],
    [401, 'UNAUTHENTICATED', AuthenticationError],
    [402, 'BUDGET_EXCEEDED', BudgetExceededError],
    [403, 'FORBIDDEN', PermissionDeniedError],
    [404, 'COLLECTION_NOT_FOUND', NotFoundError],
    [409, 'EMBEDDER_MISMATCH', ConflictError],
    [413, 'PAYLOAD_TOO_LARGE', PayloadTooLargeError],
    [415, 'UNSUPPORTED_CONTENT_TYPE', UnsupportedMediaTypeError],
    [422, 'UNPROCESSABLE_DOCUMENT', UnprocessableEntityError],
    [429, 'RATE_LIMITED', RateLimitError],
    [500, 'INTERNAL', InternalServerError],
    [503, 'EMBEDDER_UNAVAILABLE', InternalServerError],
  ];
  it.each(table)('maps %i %s to its error class', async (status, code, Class) => {
    const { fetch } = fakeFetch(envelope(status, code));
    const { ragline } = client(fetch, { maxRetries: 0 });
    const error = await ragline.collections.get('docs').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Class);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toBeInstanceOf(RaglineError);
    expect(error).toMatchObject({ status, code, requestId: 'req_1', details: { field: 'x' } });
    expect((error as Error).message).toContain(`boom ${code}`);
  });

  it('makes an APIError from a non-envelope error body, with the header request id', async () => {
    const { fetch } = fakeFetch(
      () => new Response('<html>bad gateway</html>', { status: 418, headers: { 'x-request-id': 'r9' } }),
    );
    const { ragline } = client(fetch);
    const error = await ragline.collections.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 418, code: 'UNKNOWN', requestId: 'r9' });
    expect((error as Error).message).toContain('bad gateway');
  });

  it('retries 5xx up to maxRetries with backoff, then throws', async () => {
    const { fetch, calls } = fakeFetch(envelope(503, 'EMBEDDER_UNAVAILABLE'));
    const { ragline, sleeps } = client(fetch, { maxRetries: 3 });
    await expect(ragline.collections.list()).rejects.toBeInstanceOf(InternalServerError);
    expect(calls).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
    const [a = 0, b = 0, c = 0] = sleeps;
    expect(a).toBeGreaterThan(375);
    expect(a).toBeLessThanOrEqual(500);
    expect(b).toBeGreaterThan(750);
    expect(b).toBeLessThanOrEqual(1000);
    expect(c).toBeGreaterThan(1500);
    expect(c).toBeLessThanOrEqual(2000);
  });

  it('defaults to two retries', async () => {
    const { fetch, calls } = fakeFetch(envelope(500, 'INTERNAL'));
    const { ragline } = client(fetch);
    await expect(ragline.collections.list()).rejects.toBeInstanceOf(InternalServerError);
    expect(calls).toHaveLength(3);
  });

  it('honours retry-after and retry-after-ms, then succeeds', async () => {
    const { fetch, calls } = fakeFetch(
      envelope(429, 'RATE_LIMITED', { 'retry-after': '2' }),
      envelope(429, 'RATE_LIMITED', { 'retry-after-ms': '150' }),
      json(200, { data: [collection] }),
    );
    const { ragline, sleeps } = client(fetch);
    expect((await ragline.collections.list()).data).toHaveLength(1);
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([2000, 150]);
  });

  it('does not retry 4xx other than 408/409/429, nor a permanent 409', async () => {
    for (const [status, code] of [
      [400, 'INVALID_REQUEST'],
      [402, 'BUDGET_EXCEEDED'],
      [404, 'NOT_FOUND'],
      [409, 'EMBEDDER_MISMATCH'],
    ] as const) {
      const { fetch, calls } = fakeFetch(envelope(status, code));
      const { ragline } = client(fetch);
      await expect(ragline.collections.create({ name: 'docs', embedder: null })).rejects.toBeInstanceOf(
        APIError,
      );
      expect(calls).toHaveLength(1);
    }
  });

  it('retries 408 and transient 409', async () => {
    const { fetch, calls } = fakeFetch(
      envelope(408, 'TIMEOUT'),
      envelope(409, 'CONFLICT'),
      json(200, collection),
    );
    const { ragline } = client(fetch);
    await expect(ragline.collections.get('docs')).resolves.toEqual(collection);
    expect(calls).toHaveLength(3);
  });

  it('keeps one Idempotency-Key across the retries of a write, and a new one per call', async () => {
    const { fetch, calls } = fakeFetch(
      envelope(500, 'INTERNAL'),
      () => {
        throw new TypeError('fetch failed');
      },
      json(201, collection),
    );
    const { ragline } = client(fetch);
    await ragline.collections.create({ name: 'docs', embedder: 'local' });
    const keys = calls.map((c) => c.headers.get('idempotency-key'));
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(new Set(keys).size).toBe(1);

    await ragline.collections.create({ name: 'docs', embedder: 'local' });
    expect(calls[3]?.headers.get('idempotency-key')).not.toBe(keys[0]);

    await ragline.collections.create({ name: 'docs', embedder: 'local' }, { idempotencyKey: 'mine' });
    expect(calls[4]?.headers.get('idempotency-key')).toBe('mine');
  });

  it('wraps network failures in APIConnectionError after retrying', async () => {
    const { fetch, calls } = fakeFetch(() => {
      throw new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') });
    });
    const { ragline } = client(fetch, { maxRetries: 1 });
    const error = await ragline.health().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect(calls).toHaveLength(2);
  });

  it('times out each attempt with APIConnectionTimeoutError', async () => {
    const hang: Responder = (_req, init) =>
      new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    const { fetch, calls } = fakeFetch(hang);
    const { ragline, sleeps } = client(fetch, { timeout: 20, maxRetries: 1 });
    const started = Date.now();
    const error = await ragline.collections.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionTimeoutError);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(calls).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a per-call timeout overrides the client one', async () => {
    const hang: Responder = (_req, init) =>
      new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    const { fetch } = fakeFetch(hang);
    const { ragline } = client(fetch, { timeout: 60_000, maxRetries: 0 });
    await expect(ragline.collections.list({ timeout: 10 })).rejects.toBeInstanceOf(APIConnectionTimeoutError);
  });

  it('stops on the caller AbortSignal without retrying', async () => {
    const controller = new AbortController();
    const { fetch, calls } = fakeFetch(
      (_req, init) =>
        new Promise((_resolve, reject) => {
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
          setTimeout(() => controller.abort(), 5);
        }),
    );
    const { ragline } = client(fetch);
    await expect(ragline.collections.list({ signal: controller.signal })).rejects.toBeInstanceOf(
      APIUserAbortError,
    );
    expect(calls).toHaveLength(1);
    await expect(ragline.collections.list({ signal: controller.signal })).rejects.toBeInstanceOf(
      APIUserAbortError,
    );
    expect(calls).toHaveLength(1);
  });

  it('rejects a 2xx body that does not match the contract', async () => {
    const { fetch } = fakeFetch(json(200, { ...collection, documentCount: 'three' }));
    const { ragline } = client(fetch);
    const error = await ragline.collections.get('docs').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIResponseValidationError);
    expect(error).toMatchObject({ status: 200, requestId: 'req_hdr' });
    expect((error as Error).message).toContain('documentCount');
  });

  it('rejects a 2xx body that is not JSON', async () => {
    const { fetch } = fakeFetch(() => new Response('ok', { status: 200 }));
    const { ragline } = client(fetch);
    await expect(ragline.health()).rejects.toBeInstanceOf(APIResponseValidationError);
  });

  it('routes keys, embedders and queries', async () => {
    const key = {
      id: 'k1',
      tenant: 'acme',
      name: null,
      admin: false,
      allowedModels: ['llama-*'],
      rpmLimit: 60,
      tpmLimit: null,
      key: 'rl_secret',
      createdAt: 'now',
    };
    const embedders = {
      data: [
        { name: 'local', kind: 'transformers', model: 'm', dimensions: 384, available: true, reason: null },
      ],
    };
    const answer = { mode: 'hybrid', results: [], usage: { embeddingTokens: 3 } };
    const { fetch, calls } = fakeFetch(json(201, key), json(200, embedders), json(200, answer));
    const { ragline } = client(fetch);
    expect(await ragline.keys.create({ tenant: 'acme', allowedModels: ['llama-*'], rpmLimit: 60 })).toEqual(
      key,
    );
    expect(await ragline.embedders.list()).toEqual(embedders);
    expect(await ragline.retrieval.query('docs', { query: 'hi', topK: 3 })).toEqual(answer);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'POST http://api.test/v1/keys',
      'GET http://api.test/v1/embedders',
      'POST http://api.test/v1/collections/docs/query',
    ]);
    expect(JSON.parse(String(calls[0]?.body))).toEqual({
      tenant: 'acme',
      allowedModels: ['llama-*'],
      rpmLimit: 60,
    });
    expect(JSON.parse(String(calls[2]?.body))).toEqual({ query: 'hi', topK: 3 });
  });

  it('reads a created key without an allow-list or limits (older servers) as allowing every model, unlimited', async () => {
    const key = { id: 'k1', tenant: 'acme', name: null, admin: false, key: 'rl_secret', createdAt: 'now' };
    const { fetch } = fakeFetch(json(201, key));
    const { ragline } = client(fetch);
    expect(await ragline.keys.create({ tenant: 'acme' })).toEqual({
      ...key,
      allowedModels: null,
      rpmLimit: null,
      tpmLimit: null,
    });
  });
});
