/** Embeddings kept per run; bounded so a long run's memory stays flat (repeats of a case hit it first). */
export const DEFAULT_EMBEDDING_CACHE_ENTRIES = 4_096;

type Embed = (texts: string[]) => Promise<number[][]>;

/**
 * Wraps an embedder so identical texts are embedded once (least recently used entries go first past
 * `maxEntries`); the texts of one call that are not cached go in one batch, and texts being embedded by a
 * concurrent call are awaited, not asked again. A failed batch is forgotten, so a later call retries it.
 */
export function cachedEmbedder(embed: Embed, maxEntries = DEFAULT_EMBEDDING_CACHE_ENTRIES): Embed {
  const cache = new Map<string, Promise<number[]>>();
  return async (texts) => {
    const missing = [...new Set(texts.filter((text) => !cache.has(text)))];
    const wanted = new Map<string, Promise<number[]>>();
    for (const text of texts) {
      const hit = cache.get(text);
      if (hit === undefined) continue;
      wanted.set(text, hit);
      cache.delete(text); // re-inserted below: most recently used last
      cache.set(text, hit);
    }
    if (missing.length > 0) {
      const batch = embed(missing);
      missing.forEach((text, i) => {
        const vector = batch.then((vectors) => {
          const found = vectors[i];
          if (found === undefined) throw new Error(`the embedder returned no vector for text ${i}`);
          return found;
        });
        wanted.set(text, vector);
        cache.set(text, vector);
        vector.catch(() => {
          if (cache.get(text) === vector) cache.delete(text);
        });
      });
    }
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next().value as string;
      cache.delete(oldest);
    }
    return Promise.all(texts.map((text) => wanted.get(text) as Promise<number[]>));
  };
}
