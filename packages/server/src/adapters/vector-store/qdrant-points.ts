import type { Schemas } from '@qdrant/js-client-rest';
import { type Bm25Options, documentSparseVector, type SparseVector } from '../../core/sparse-vector.js';
import type { ChunkMetadata, ChunkRecord, ScoredChunk } from '../../ports/vector-store.js';
import { PAYLOAD } from './qdrant-filter.js';
import { chunkPointId } from './qdrant-point-id.js';

/** Named vectors of every Ragline collection in Qdrant. */
export const VECTORS = {
  /** Cosine, HNSW-indexed: what dense queries search. Qdrant stores it unit-normalised. */
  dense: 'dense',
  /**
   * The caller's vector as given (Dot distance, no HNSW, on disk), only read back for `includeVectors`:
   * Qdrant normalises Cosine vectors on write, so "dense" cannot return the original values.
   */
  original: 'original',
  /** BM25 document weights; Qdrant multiplies in the IDF at query time (`modifier: "idf"`). */
  bm25: 'bm25',
} as const;

/** Point id (integer, so it can never clash with a chunk's UUID) of the collection's version marker. */
export const VERSION_POINT_ID = 0;
export const VERSION_PAYLOAD_KEY = 'ragline_version';

export async function chunkToPoint(
  tenantId: string,
  chunk: ChunkRecord,
  bm25: Bm25Options | undefined,
): Promise<Schemas['PointStruct']> {
  const vector: Record<string, number[] | SparseVector> = {};
  if (chunk.vector) {
    vector[VECTORS.dense] = chunk.vector;
    vector[VECTORS.original] = chunk.vector;
  }
  const sparse = documentSparseVector(chunk.text, bm25);
  // A chunk of stop words only has no terms: leave its sparse vector out rather than send an empty one.
  if (sparse.indices.length > 0) vector[VECTORS.bm25] = sparse;
  return {
    id: await chunkPointId(chunk.id),
    vector,
    payload: {
      [PAYLOAD.tenantId]: tenantId,
      [PAYLOAD.chunkId]: chunk.id,
      [PAYLOAD.documentId]: chunk.documentId,
      [PAYLOAD.chunkIndex]: chunk.chunkIndex,
      [PAYLOAD.text]: chunk.text,
      [PAYLOAD.headingPath]: chunk.headingPath,
      [PAYLOAD.start]: chunk.start,
      [PAYLOAD.end]: chunk.end,
      [PAYLOAD.metadata]: chunk.metadata,
    },
  };
}

export function pointToChunk(point: Schemas['ScoredPoint'], score: number): ScoredChunk {
  const p = (point.payload ?? {}) as Record<string, unknown>;
  const chunk: ScoredChunk = {
    id: String(p[PAYLOAD.chunkId]),
    documentId: String(p[PAYLOAD.documentId]),
    chunkIndex: Number(p[PAYLOAD.chunkIndex]),
    text: String(p[PAYLOAD.text] ?? ''),
    metadata: { ...((p[PAYLOAD.metadata] ?? {}) as ChunkMetadata) },
    headingPath: Array.isArray(p[PAYLOAD.headingPath])
      ? (p[PAYLOAD.headingPath] as unknown[]).map(String)
      : [],
    start: Number(p[PAYLOAD.start]),
    end: Number(p[PAYLOAD.end]),
    score,
  };
  const vectors = point.vector;
  if (vectors && typeof vectors === 'object' && !Array.isArray(vectors)) {
    const original = (vectors as Record<string, unknown>)[VECTORS.original];
    if (Array.isArray(original)) chunk.vector = original as number[];
  }
  return chunk;
}
