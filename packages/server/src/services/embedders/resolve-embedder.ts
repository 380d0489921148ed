import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import { type Embedder, EmbedderUnavailableError } from '../../ports/embedder.js';
import type { CollectionRow } from '../../ports/metadata-store.js';

export function findEmbedder(deps: Pick<AppDeps, 'embedders'>, name: string, field = 'embedder'): Embedder {
  const embedder = deps.embedders.get(name);
  if (embedder) return embedder;
  const known = [...deps.embedders.keys()];
  throw new ApiError(
    'INVALID_REQUEST',
    `${field}: unknown embedder "${name}"; configured: ${known.length ? known.join(', ') : 'none'} (or null for lexical-only)`,
  );
}

/** The embedder's dimension, loading it if needed; a missing model becomes a 503 that says how to fix it. */
export async function embedderDimensions(embedder: Embedder, signal?: AbortSignal): Promise<number> {
  try {
    return await embedder.dimensions({ ...(signal ? { signal } : {}) });
  } catch (err) {
    throw toEmbedderApiError(embedder, err);
  }
}

/**
 * The embedder a collection was created with, checked against what is configured now: a collection's
 * vectors are only comparable with vectors from the same model and dimension.
 */
export async function embedderForCollection(
  deps: Pick<AppDeps, 'embedders'>,
  row: CollectionRow,
  signal?: AbortSignal,
): Promise<Embedder | null> {
  if (!row.embedder) return null;
  const embedder = deps.embedders.get(row.embedder);
  if (!embedder) {
    throw new ApiError(
      'EMBEDDER_UNAVAILABLE',
      `collection "${row.name}" uses embedder "${row.embedder}", which is not configured on this server`,
    );
  }
  const dimensions = await embedderDimensions(embedder, signal);
  if (embedder.model !== row.embeddingModel || dimensions !== row.dimensions) {
    throw new ApiError(
      'EMBEDDER_MISMATCH',
      `collection "${row.name}" was created with ${row.embeddingModel} (${row.dimensions} dimensions); embedder "${row.embedder}" is now ${embedder.model} (${dimensions} dimensions). Create a new collection for the new model.`,
    );
  }
  return embedder;
}

export function toEmbedderApiError(embedder: Embedder, err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof EmbedderUnavailableError) {
    return new ApiError(
      'EMBEDDER_UNAVAILABLE',
      `embedder "${embedder.name}" is unavailable: ${err.message}`,
      {
        cause: err,
      },
    );
  }
  if (err instanceof Error && err.name === 'AbortError') throw err;
  if (err instanceof Error && err.name === 'EmbedderUpstreamError') {
    return new ApiError('UPSTREAM_ERROR', `embedder "${embedder.name}" failed: ${err.message}`, {
      cause: err,
    });
  }
  return new ApiError('UPSTREAM_ERROR', `embedder "${embedder.name}" failed`, { cause: err });
}
