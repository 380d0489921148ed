import type { Document, DocumentList } from '@ragline/sdk/contracts';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../core/api-error.js';
import type { DocumentRow } from '../ports/metadata-store.js';
import { collectionRef } from '../services/collections/collection-ref.js';
import { getCollectionOrThrow } from '../services/collections/get-collection.js';
import { ingestDocuments } from '../services/ingest/ingest-documents.js';
import { readIngestRequest } from '../services/ingest/read-ingest-request.js';
import { callerOf } from '../services/metering/caller.js';
import { flushAfterCall } from '../services/metering/flush-after-call.js';

const MAX_PAGE = 1000;

export const documentRoutes = new Hono()
  .post(
    '/collections/:name/documents',
    (c, next) =>
      bodyLimit({
        maxSize: c.get('deps').limits.maxBatchBytes,
        onError: () => {
          throw new ApiError(
            'PAYLOAD_TOO_LARGE',
            `body: larger than the ${c.get('deps').limits.maxBatchBytes} bytes allowed per batch; split it`,
          );
        },
      })(c, next),
    async (c) => {
      const deps = c.get('deps');
      const collection = await getCollectionOrThrow(deps, c.get('principal').tenantId, c.req.param('name'));
      const batch = await readIngestRequest(
        {
          contentType: c.req.header('content-type') ?? '',
          query: (name) => c.req.query(name),
          text: () => c.req.text(),
          json: () => c.req.json(),
          formData: () => c.req.formData(),
        },
        deps.limits,
      );
      const result = await ingestDocuments(deps, collection, batch, c.req.raw.signal, {
        caller: callerOf(c.get('principal')),
        requestId: c.get('requestId'),
      });
      await flushAfterCall(c, deps.costs);
      return c.json(result);
    },
  )
  .get('/collections/:name/documents', async (c) => {
    const deps = c.get('deps');
    const collection = await getCollectionOrThrow(deps, c.get('principal').tenantId, c.req.param('name'));
    const limit = parseLimit(c.req.query('limit'));
    const cursor = c.req.query('cursor');
    const source = c.req.query('source');
    const rows = await deps.metadata.documents.list(collection.tenantId, collection.id, {
      limit: limit + 1,
      ...(cursor ? { after: decodeCursor(cursor) } : {}),
      ...(source ? { source } : {}),
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const body: DocumentList = {
      data: page.map(toDocument),
      nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null,
    };
    return c.json(body);
  })
  .get('/collections/:name/documents/:id', async (c) => {
    const deps = c.get('deps');
    const collection = await getCollectionOrThrow(deps, c.get('principal').tenantId, c.req.param('name'));
    const row = await deps.metadata.documents.get(collection.tenantId, collection.id, c.req.param('id'));
    if (!row) throw documentNotFound(c.req.param('id'), collection.name);
    return c.json(toDocument(row));
  })
  .delete('/collections/:name/documents/:id', async (c) => {
    const deps = c.get('deps');
    const collection = await getCollectionOrThrow(deps, c.get('principal').tenantId, c.req.param('name'));
    const id = c.req.param('id');
    await deps.writeLocks.run(collection.id, async () => {
      const row = await deps.metadata.documents.get(collection.tenantId, collection.id, id);
      if (!row) throw documentNotFound(id, collection.name);
      await deps.vectors.deleteDocuments(collectionRef(collection), [id]);
      await deps.metadata.documents.deleteMany(collection.tenantId, collection.id, [id]);
      await deps.metadata.collections.touch(
        collection.tenantId,
        collection.id,
        deps.clock.now().toISOString(),
      );
    });
    return c.body(null, 204);
  });

function documentNotFound(id: string, collection: string): ApiError {
  return new ApiError('DOCUMENT_NOT_FOUND', `document "${id}" does not exist in collection "${collection}"`);
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 100;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) {
    throw new ApiError('INVALID_REQUEST', `limit: must be an integer from 1 to ${MAX_PAGE}`);
  }
  return n;
}

/** Cursors are opaque to clients (base64url of the last id) so the paging key can change later. */
function encodeCursor(id: string): string {
  const bytes = new TextEncoder().encode(id);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function decodeCursor(cursor: string): string {
  try {
    const binary = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'));
    return new TextDecoder('utf-8', { fatal: true }).decode(
      Uint8Array.from(binary, (ch) => ch.charCodeAt(0)),
    );
  } catch {
    throw new ApiError('INVALID_REQUEST', 'cursor: not a cursor returned by this API');
  }
}

function toDocument(row: DocumentRow): Document {
  return {
    id: row.id,
    source: row.source,
    contentType: row.contentType,
    contentHash: row.contentHash,
    chunkCount: row.chunkCount,
    characters: row.characters,
    metadata: row.metadata,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
