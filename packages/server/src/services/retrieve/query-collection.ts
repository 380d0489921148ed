import type { QueryResponse, QueryResult, RetrievalMode } from '@ragline/sdk/contracts';
import { ApiError } from '../../core/api-error.js';
import { type Filter, FilterSyntaxError, parseFilter } from '../../core/filter.js';
import { maximalMarginalRelevance } from '../../core/mmr.js';
import type { AppDeps } from '../../deps.js';
import type { CollectionRow } from '../../ports/metadata-store.js';
import { CollectionVersionError, type ScoredChunk, type VectorQuery } from '../../ports/vector-store.js';
import { collectionRef } from '../collections/collection-ref.js';
import { embedderForCollection, toEmbedderApiError } from '../embedders/resolve-embedder.js';

export interface QueryInput {
  query: string;
  mode?: RetrievalMode | undefined;
  topK: number;
  filter?: Record<string, unknown> | undefined;
  minScore?: number | undefined;
  fusion?: { k: number; denseWeight: number; lexicalWeight: number } | undefined;
  mmr?: { lambda: number; fetchK?: number | undefined } | undefined;
  /**
   * A collection version (VectorStore.currentVersion) to answer from, as releases pin it; absent: the
   * current contents. Not part of the public query API.
   */
  version?: string | undefined;
}

export async function queryCollection(
  deps: AppDeps,
  collection: CollectionRow,
  input: QueryInput,
  signal?: AbortSignal,
): Promise<QueryResponse> {
  const mode: RetrievalMode = input.mode ?? (collection.dimensions === null ? 'lexical' : 'hybrid');
  if (mode !== 'lexical' && collection.dimensions === null) {
    throw new ApiError(
      'INVALID_REQUEST',
      `mode: "${mode}" needs vectors, but collection "${collection.name}" is lexical-only (embedder null); use "lexical"`,
    );
  }
  if (input.mmr && mode === 'lexical') {
    throw new ApiError('INVALID_REQUEST', 'mmr: needs vectors; use mode "dense" or "hybrid"');
  }
  const filter = parseFilterOrThrow(input.filter);

  let vector: number[] | undefined;
  let embeddingTokens = 0;
  if (mode !== 'lexical') {
    const embedder = await embedderForCollection(deps, collection, signal);
    if (!embedder) throw new ApiError('INTERNAL', 'collection with dimensions has no embedder');
    try {
      const result = await embedder.embed([input.query], { purpose: 'query', ...(signal ? { signal } : {}) });
      vector = result.vectors[0];
      embeddingTokens = result.usage.inputTokens;
    } catch (err) {
      throw toEmbedderApiError(embedder, err);
    }
  }

  const fetchK = input.mmr ? Math.max(input.mmr.fetchK ?? input.topK * 4, input.topK) : input.topK;
  const query: VectorQuery = {
    mode,
    topK: fetchK,
    ...(vector ? { vector } : {}),
    ...(mode !== 'dense' ? { text: input.query } : {}),
    ...(filter ? { filter } : {}),
    ...(input.fusion ? { fusion: input.fusion } : {}),
    ...(input.mmr ? { includeVectors: true } : {}),
    ...(input.version !== undefined ? { version: input.version } : {}),
  };
  let hits = await queryVectors(deps, collection, query);
  if (input.minScore !== undefined) {
    const min = input.minScore;
    hits = hits.filter((h) => h.score >= min);
  }
  if (input.mmr && vector) {
    const withVectors = hits.map((hit) => ({ ...hit, vector: hit.vector ?? [] }));
    hits = maximalMarginalRelevance(vector, withVectors, { lambda: input.mmr.lambda, k: input.topK });
  }
  return { mode, results: hits.slice(0, input.topK).map(toResult), usage: { embeddingTokens } };
}

async function queryVectors(
  deps: AppDeps,
  collection: CollectionRow,
  query: VectorQuery,
): Promise<ScoredChunk[]> {
  try {
    return await deps.vectors.query(collectionRef(collection), query);
  } catch (err) {
    if (!(err instanceof CollectionVersionError)) throw err;
    const what = `version ${err.version} of collection "${collection.name}"`;
    if (err.reason === 'unsupported') {
      throw new ApiError(
        'CONFLICT',
        `${what} can no longer be queried: the collection has changed since, and the ${deps.vectors.kind} vector store kept no copy of it (only versions a release pins are kept)`,
        { cause: err },
      );
    }
    throw new ApiError(
      'NOT_FOUND',
      `${what} does not exist (never written, or cleaned up because no release pinned it)`,
      { cause: err },
    );
  }
}

function parseFilterOrThrow(input: Record<string, unknown> | undefined): Filter | undefined {
  if (input === undefined) return undefined;
  try {
    return parseFilter(input);
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw new ApiError('INVALID_REQUEST', err.message);
    throw err;
  }
}

function toResult(hit: ScoredChunk): QueryResult {
  return {
    chunkId: hit.id,
    documentId: hit.documentId,
    text: hit.text,
    score: hit.score,
    metadata: hit.metadata,
    headingPath: hit.headingPath,
    start: hit.start,
    end: hit.end,
  };
}
