import type { IngestResult } from '@ragline/sdk/contracts';
import type { BenchApp } from './harness.js';

export interface BatchDocument {
  id: string;
  text: string;
  metadata?: Record<string, string | number | boolean>;
}

/** Posts documents in batches through POST /v1/collections/:name/documents; returns totals and per-batch times. */
export async function ingestInBatches(
  app: BenchApp,
  collection: string,
  documents: BatchDocument[],
  batchSize: number,
): Promise<{ documents: number; chunks: number; seconds: number; batchMs: number[] }> {
  let chunks = 0;
  const batchMs: number[] = [];
  const started = performance.now();
  for (let from = 0; from < documents.length; from += batchSize) {
    const t = performance.now();
    const result = await app.call<IngestResult>('POST', `/v1/collections/${collection}/documents`, {
      documents: documents.slice(from, from + batchSize),
    });
    batchMs.push(performance.now() - t);
    chunks += result.chunks;
  }
  return { documents: documents.length, chunks, seconds: (performance.now() - started) / 1000, batchMs };
}

/** Title and text as one plain-text document: the title is its first paragraph. */
export function titleAndText(title: string, text: string): string {
  return title ? `${title}\n\n${text}` : text;
}
