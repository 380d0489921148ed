import type { IngestResult } from '@ragline/sdk/contracts';
import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { Embedder } from '../../ports/embedder.js';
import type { CollectionRow, DocumentRow } from '../../ports/metadata-store.js';
import { type ChunkRecord, MetadataTypeError } from '../../ports/vector-store.js';
import { collectionRef } from '../collections/collection-ref.js';
import { embedderForCollection, toEmbedderApiError } from '../embedders/resolve-embedder.js';
import type { MeterCaller } from '../metering/meter.js';
import { meteredEmbedding } from '../metering/meter-embedding.js';
import { type Chunk, chunkDocument } from './chunk/chunk-document.js';
import { contentHash } from './content-hash.js';
import {
  DocumentParseError,
  extractDocument,
  UnsupportedContentTypeError,
} from './extract/extract-document.js';
import type { PreparedBatch, PreparedDocument } from './prepared-document.js';

const EMBED_BATCH = 128;

interface PlannedDocument {
  doc: PreparedDocument;
  hash: string;
  chunks: Chunk[];
  characters: number;
}

/**
 * Ingests a batch incrementally. Everything that can fail on bad input or upstream trouble
 * (extraction, chunking, embedding) happens before the first write, so a failure stores nothing.
 * The vector store swaps the changed documents' chunks in one atomic write; the document rows
 * (with their hashes) are written after it, so a crash in between only makes the next ingest
 * redo those documents. Hashes are compared before the write phase and re-read inside it, so a
 * document changed concurrently is written last-writer-wins, chunks and row together.
 */
export async function ingestDocuments(
  deps: AppDeps,
  collection: CollectionRow,
  batch: PreparedBatch,
  signal?: AbortSignal,
  metering?: { caller: MeterCaller; requestId: string },
): Promise<IngestResult> {
  const ids = batch.documents.map((d) => d.id);
  const existing = await deps.metadata.documents.getMany(collection.tenantId, collection.id, ids);

  const planned: PlannedDocument[] = [];
  // Same content under a new source: only the row changes, nothing is re-embedded.
  const moved: DocumentRow[] = [];
  let unchanged = 0;
  for (const doc of batch.documents) {
    const hash = await contentHash(doc);
    const previous = existing.get(doc.id);
    if (previous && previous.contentHash === hash) {
      unchanged++;
      if (batch.source !== null && previous.source !== batch.source)
        moved.push({ ...previous, source: batch.source });
      continue;
    }
    planned.push({ doc, hash, ...(await extractAndChunk(deps, doc)) });
  }

  const embedder = planned.length > 0 ? await embedderForCollection(deps, collection, signal) : null;
  const build = () => buildChunkRecords(planned, embedder, signal);
  // Embedding is the metered part of ingestion: a hard budget refuses before the embedder is called.
  const { records, embeddingTokens } =
    embedder && metering
      ? (
          await meteredEmbedding(
            deps.costs,
            {
              ...metering,
              kind: 'ingest-embedding',
              embedder,
              texts: planned.flatMap((p) => p.chunks.map((chunk) => chunk.text)),
            },
            async () => {
              const built = await build();
              return { ...built, usage: { inputTokens: built.embeddingTokens } };
            },
          )
        ).result
      : await build();

  // The write phase runs alone per collection: a document's chunks and its hash row must come from the
  // same request, or two concurrent ingests of one document could leave one's chunks under the other's hash.
  const written = await deps.writeLocks.run(collection.id, () =>
    writeBatch(deps, collection, batch, planned, records, moved),
  );
  return { ...written, unchanged, chunks: records.length, usage: { embeddingTokens } };
}

async function writeBatch(
  deps: AppDeps,
  collection: CollectionRow,
  batch: PreparedBatch,
  planned: PlannedDocument[],
  records: ChunkRecord[],
  moved: DocumentRow[],
): Promise<{ added: number; updated: number; deleted: number }> {
  const tenantId = collection.tenantId;
  const ref = collectionRef(collection);
  // Re-read under the lock: another request may have written these documents since we planned.
  const current = await deps.metadata.documents.getMany(tenantId, collection.id, [
    ...planned.map((p) => p.doc.id),
    ...moved.map((m) => m.id),
  ]);

  if (planned.length > 0) {
    try {
      await deps.vectors.replaceDocuments(
        ref,
        planned.map((p) => p.doc.id),
        records,
      );
    } catch (err) {
      if (err instanceof MetadataTypeError) {
        throw new ApiError('INVALID_METADATA', `metadata.${err.field}: ${err.message}`, { cause: err });
      }
      throw err;
    }
    const now = deps.clock.now().toISOString();
    await deps.metadata.documents.upsertMany(
      planned.map((p) => ({
        tenantId,
        collectionId: collection.id,
        id: p.doc.id,
        source: batch.source,
        contentType: p.doc.contentType,
        contentHash: p.hash,
        chunkCount: p.chunks.length,
        characters: p.characters,
        metadata: p.doc.metadata,
        createdAt: current.get(p.doc.id)?.createdAt ?? now,
        updatedAt: now,
      })),
    );
  }

  const stillSame = moved.filter((m) => current.get(m.id)?.contentHash === m.contentHash);
  if (stillSame.length > 0) await deps.metadata.documents.upsertMany(stillSame);

  let deleted = 0;
  if (batch.sync && batch.source) {
    const missing = await deps.metadata.documents.idsOfSourceExcept(
      tenantId,
      collection.id,
      batch.source,
      batch.documents.map((d) => d.id),
    );
    if (missing.length > 0) {
      await deps.vectors.deleteDocuments(ref, missing);
      deleted = await deps.metadata.documents.deleteMany(tenantId, collection.id, missing);
    }
  }
  if (planned.length > 0 || deleted > 0) {
    await deps.metadata.collections.touch(tenantId, collection.id, deps.clock.now().toISOString());
  }
  const added = planned.filter((p) => !current.has(p.doc.id)).length;
  return { added, updated: planned.length - added, deleted };
}

async function extractAndChunk(
  deps: AppDeps,
  doc: PreparedDocument,
): Promise<{ chunks: Chunk[]; characters: number }> {
  try {
    const extracted = await extractDocument({ content: doc.content, contentType: doc.contentType });
    const chunks = chunkDocument(extracted, deps.chunking);
    return { chunks, characters: extracted.text.length };
  } catch (err) {
    if (err instanceof UnsupportedContentTypeError) {
      throw new ApiError('UNSUPPORTED_CONTENT_TYPE', `${doc.at}.contentType: ${err.message}`, { cause: err });
    }
    if (err instanceof DocumentParseError) {
      throw new ApiError(
        'UNPROCESSABLE_DOCUMENT',
        `${doc.at}: document "${doc.id}" could not be read: ${err.message}`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}

async function buildChunkRecords(
  planned: PlannedDocument[],
  embedder: Embedder | null,
  signal: AbortSignal | undefined,
): Promise<{ records: ChunkRecord[]; embeddingTokens: number }> {
  const records: ChunkRecord[] = planned.flatMap((p) =>
    p.chunks.map((chunk) => ({
      id: `${p.doc.id}#${chunk.index}`,
      documentId: p.doc.id,
      chunkIndex: chunk.index,
      text: chunk.text,
      metadata: chunk.page === undefined ? { ...p.doc.metadata } : { ...p.doc.metadata, page: chunk.page },
      headingPath: chunk.headingPath,
      start: chunk.start,
      end: chunk.end,
    })),
  );
  if (!embedder) return { records, embeddingTokens: 0 };
  let embeddingTokens = 0;
  for (let from = 0; from < records.length; from += EMBED_BATCH) {
    const slice = records.slice(from, from + EMBED_BATCH);
    let result: Awaited<ReturnType<Embedder['embed']>>;
    try {
      result = await embedder.embed(
        slice.map((r) => r.text),
        { purpose: 'document', ...(signal ? { signal } : {}) },
      );
    } catch (err) {
      throw toEmbedderApiError(embedder, err);
    }
    if (result.vectors.length !== slice.length) {
      throw new ApiError(
        'UPSTREAM_ERROR',
        `embedder "${embedder.name}" returned ${result.vectors.length} vectors for ${slice.length} texts`,
      );
    }
    slice.forEach((record, i) => {
      record.vector = result.vectors[i];
    });
    embeddingTokens += result.usage.inputTokens;
  }
  return { records, embeddingTokens };
}
