import type { Collection, Document, IngestResult } from '@ragline/sdk';
import type { CliIo } from '../io.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  contentType: string;
  /** Ids the request carried (ingest), in order. */
  ids: string[];
  /** Parsed body: JSON value, the FormData, or the text. */
  body: unknown;
  source: string | null;
  sync: boolean;
}

interface StoredDocument {
  id: string;
  source: string | null;
  contentType: string;
}

export interface FakeApiOptions {
  collections?: Collection[];
  embedders?: { name: string; available: boolean }[];
  documents?: StoredDocument[];
  /** Called before the default handling; return a Response to override it. */
  intercept?: (req: RecordedRequest, index: number) => Response | undefined;
}

export function collectionFixture(name: string, embedder: string | null = 'local'): Collection {
  return {
    name,
    embedder,
    embeddingModel: embedder ? 'test-model' : null,
    dimensions: embedder ? 8 : null,
    description: null,
    documentCount: 0,
    chunkCount: 0,
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
  };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'x-request-id': 'req_fake' },
  });

export const errorResponse = (status: number, code: string, message: string) =>
  json(status, { error: { code, message, requestId: 'req_err' } });

/**
 * A stand-in for the remote Ragline server behind the SDK's fetch: records every request and keeps
 * just enough state (collections, documents per source) to check what the CLI sent and deleted.
 */
export function createFakeApi(options: FakeApiOptions = {}) {
  const requests: RecordedRequest[] = [];
  const collections = new Map((options.collections ?? []).map((c) => [c.name, c]));
  const documents = new Map((options.documents ?? []).map((d) => [d.id, d]));

  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const contentType = request.headers.get('content-type') ?? '';
    const recorded: RecordedRequest = {
      method: request.method,
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers: request.headers,
      contentType,
      ids: [],
      body: undefined,
      source: null,
      sync: false,
    };
    if (request.method === 'POST') await readBody(request, recorded);
    requests.push(recorded);
    const intercepted = options.intercept?.(recorded, requests.length - 1);
    if (intercepted) return intercepted;
    return handle(recorded);
  };

  function handle(req: RecordedRequest): Response {
    const parts = req.path.split('/').filter(Boolean);
    const route = `${req.method} /${parts.map((p, i) => (i >= 2 && i % 2 === 0 ? ':' : p)).join('/')}`;
    const name = parts[2] ?? '';
    switch (route) {
      case 'GET /v1/embedders':
        return json(200, {
          data: (options.embedders ?? []).map((e) => ({
            ...e,
            kind: 'test',
            model: 'm',
            dimensions: 8,
            reason: null,
          })),
        });
      case 'GET /v1/collections':
        return json(200, { data: [...collections.values()] });
      case 'POST /v1/collections': {
        const body = req.body as { name: string; embedder: string | null };
        const existing = collections.get(body.name);
        if (existing && existing.embedder !== body.embedder) {
          return errorResponse(409, 'EMBEDDER_MISMATCH', `collection "${body.name}" uses another embedder`);
        }
        const collection = existing ?? collectionFixture(body.name, body.embedder);
        collections.set(body.name, collection);
        return json(existing ? 200 : 201, collection);
      }
      case 'GET /v1/collections/:':
      case 'DELETE /v1/collections/:': {
        const collection = collections.get(name);
        if (!collection) return errorResponse(404, 'COLLECTION_NOT_FOUND', `collection "${name}" not found`);
        if (req.method === 'GET') return json(200, collection);
        collections.delete(name);
        return new Response(null, { status: 204 });
      }
      case 'POST /v1/collections/:/documents':
        return json(200, ingest(req));
      case 'GET /v1/collections/:/documents': {
        const source = req.query.get('source');
        const limit = Number(req.query.get('limit') ?? 100);
        const cursor = req.query.get('cursor');
        const all = [...documents.values()]
          .filter((d) => source === null || d.source === source)
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          .filter((d) => cursor === null || d.id > cursor);
        const page = all.slice(0, limit);
        const last = page.at(-1);
        return json(200, {
          data: page.map(toDocument),
          nextCursor: all.length > limit && last ? last.id : null,
        });
      }
      case 'DELETE /v1/collections/:/documents/:': {
        const id = parts.slice(4).join('/');
        if (!documents.delete(id))
          return errorResponse(404, 'DOCUMENT_NOT_FOUND', `document "${id}" not found`);
        return new Response(null, { status: 204 });
      }
      case 'POST /v1/keys': {
        const body = req.body as {
          tenant: string;
          name?: string;
          admin?: boolean;
          allowedModels?: string[] | null;
        };
        return json(201, {
          id: 'key_1',
          tenant: body.tenant,
          name: body.name ?? null,
          admin: body.admin ?? false,
          allowedModels: body.allowedModels ?? null,
          key: 'rl_secret_123',
          createdAt: '2026-11-01T00:00:00.000Z',
        });
      }
      default:
        return errorResponse(404, 'NOT_FOUND', `no route ${route}`);
    }
  }

  function ingest(req: RecordedRequest): IngestResult {
    const result: IngestResult = {
      added: 0,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      chunks: 0,
      usage: { embeddingTokens: 0 },
    };
    for (const id of req.ids) {
      if (documents.has(id)) result.updated++;
      else result.added++;
      documents.set(id, { id, source: req.source, contentType: 'text/plain' });
      result.chunks += 2;
    }
    if (req.sync && req.source !== null) {
      for (const doc of [...documents.values()]) {
        if (doc.source === req.source && !req.ids.includes(doc.id)) {
          documents.delete(doc.id);
          result.deleted++;
        }
      }
    }
    return result;
  }

  return { fetch: fetch as typeof globalThis.fetch, requests, documents, collections };
}

async function readBody(request: Request, recorded: RecordedRequest): Promise<void> {
  const type = recorded.contentType;
  if (type.startsWith('multipart/form-data')) {
    const form = await request.formData();
    recorded.body = form;
    for (const value of form.values()) if (typeof value !== 'string') recorded.ids.push(value.name);
    recorded.source = (form.get('source') as string | null) ?? null;
    recorded.sync = form.get('sync') === 'true';
  } else if (type.startsWith('application/x-ndjson')) {
    const text = await request.text();
    recorded.body = text;
    recorded.ids = text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => (JSON.parse(l) as { id: string }).id);
    recorded.source = recorded.query.get('source');
    recorded.sync = recorded.query.get('sync') === 'true';
  } else {
    const text = await request.text();
    recorded.body = text ? JSON.parse(text) : undefined;
  }
}

function toDocument(d: StoredDocument): Document {
  return {
    id: d.id,
    source: d.source,
    contentType: d.contentType,
    contentHash: 'h',
    chunkCount: 2,
    characters: 10,
    metadata: {},
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
  };
}

/** Captures what the CLI writes; `isTTY` false unless asked. */
export function captureIo(overrides: Partial<CliIo> & { tty?: boolean } = {}) {
  let stdout = '';
  let stderr = '';
  const { tty, ...rest } = overrides;
  const io: Partial<CliIo> = {
    stdout: { write: (s: string) => (stdout += s), isTTY: tty ?? false, columns: 120 },
    stderr: { write: (s: string) => (stderr += s), isTTY: tty ?? false, columns: 120 },
    env: {},
    clientOptions: { sleep: async () => {} },
    now: () => 0,
    ...rest,
  };
  return {
    io,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}
