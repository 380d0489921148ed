import type { AppDeps } from '../../packages/server/src/deps.js';

export interface Timers {
  /** Milliseconds per bucket, summed over calls. */
  ms: Record<string, number>;
  calls: Record<string, number>;
  /** Duration of each vector-store write, in order. */
  writes: number[];
}

export function createTimers(): Timers {
  return { ms: {}, calls: {}, writes: [] };
}

function timed<A extends unknown[], R>(timers: Timers, bucket: string, fn: (...args: A) => Promise<R>) {
  return async (...args: A): Promise<R> => {
    const started = performance.now();
    try {
      return await fn(...args);
    } finally {
      const elapsed = performance.now() - started;
      timers.ms[bucket] = (timers.ms[bucket] ?? 0) + elapsed;
      timers.calls[bucket] = (timers.calls[bucket] ?? 0) + 1;
      if (bucket === 'store') timers.writes.push(elapsed);
    }
  };
}

/**
 * Wraps the deps the ingest path calls so the bench can say where ingestion time goes: vector-store writes
 * (including any auto-optimize they trigger) and document-row reads/writes in the metadata store.
 * The adapters are plain objects of closures, so a shallow copy with wrapped methods behaves the same.
 */
export function withIngestTimers(deps: AppDeps, timers: Timers): AppDeps {
  const { documents } = deps.metadata;
  return {
    ...deps,
    vectors: { ...deps.vectors, replaceDocuments: timed(timers, 'store', deps.vectors.replaceDocuments) },
    metadata: {
      ...deps.metadata,
      documents: {
        ...documents,
        getMany: timed(timers, 'metadata', documents.getMany),
        upsertMany: timed(timers, 'metadata', documents.upsertMany),
      },
    },
  };
}
