import type { IngestResult } from '@ragline/sdk';
import { SingleBar } from 'cli-progress';
import type { OutputStream } from './io.js';

export interface IngestProgress {
  batchDone(documents: number, result: IngestResult): void;
  stop(): void;
}

/** A bar on a terminal; one line per batch otherwise (CI logs, pipes). */
export function createIngestProgress(
  stream: OutputStream,
  totalDocuments: number,
  totalBatches: number,
): IngestProgress {
  let documents = 0;
  let chunks = 0;
  let batches = 0;

  if (stream.isTTY) {
    const bar = new SingleBar({
      stream: stream as NodeJS.WritableStream,
      format:
        ' {bar} {value}/{total} documents | {chunks} chunks | {duration_formatted} elapsed | ETA {eta_formatted}',
      hideCursor: false,
      clearOnComplete: false,
      etaBuffer: 20,
    });
    bar.start(totalDocuments, 0, { chunks: 0 });
    return {
      batchDone(count, result) {
        documents += count;
        chunks += result.chunks;
        bar.update(documents, { chunks });
      },
      stop: () => bar.stop(),
    };
  }

  return {
    batchDone(count, result) {
      documents += count;
      chunks += result.chunks;
      batches += 1;
      stream.write(
        `[${batches}/${totalBatches}] ${documents}/${totalDocuments} documents: ` +
          `+${result.added} added, ${result.updated} updated, ${result.unchanged} unchanged, ${result.chunks} chunks\n`,
      );
    },
    stop() {},
  };
}
