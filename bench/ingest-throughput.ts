/**
 * Ingestion throughput through the real app in process (JSON batches to POST /v1/collections/:name/documents):
 * (a) the SciFact corpus into a lexical-only collection; (b) about 100k synthetic chunks embedded by a
 * constant-cost synthetic embedder (384 dimensions), with timers on where the time goes.
 *
 *   npx tsx --conditions=@ragline/source bench/ingest-throughput.ts
 */
import { fileURLToPath } from 'node:url';
import { defaultChunking } from '../packages/server/src/deps.js';
import { chunkDocument } from '../packages/server/src/services/ingest/chunk/chunk-document.js';
import { extractDocument } from '../packages/server/src/services/ingest/extract/extract-document.js';
import { loadSciFact } from './lib/datasets.js';
import { checkSourceCondition, datasetDir, printMachine } from './lib/env.js';
import { startBenchApp } from './lib/harness.js';
import { type BatchDocument, ingestInBatches, titleAndText } from './lib/ingest-batches.js';
import { mulberry32 } from './lib/random.js';
import { createSyntheticEmbedder } from './lib/synthetic-embedder.js';
import { createZipfVocabulary, paragraph } from './lib/synthetic-text.js';
import { mean, percentile, printTable } from './lib/table.js';
import { createTimers, type Timers, withIngestTimers } from './lib/timed-deps.js';

const SCIFACT_BATCH = 256;
const SYNTHETIC_CHUNKS = Number(process.env.RAGLINE_BENCH_CHUNKS ?? 100_000);
const SYNTHETIC_BATCH = 100;
const DIMENSIONS = 384;

export interface IngestRow {
  run: string;
  documents: number;
  chunks: number;
  seconds: number;
}

function breakdownRows(totalMs: number, parts: [string, number][]): (string | number)[][] {
  const known = parts.reduce((a, [, v]) => a + v, 0);
  return [...parts, ['rest (HTTP + JSON + zod, content hashing, records, auth)', totalMs - known]].map(
    ([name, v]) => [
      name as string,
      `${((v as number) / 1000).toFixed(2)} s`,
      `${((100 * (v as number)) / totalMs).toFixed(1)} %`,
    ],
  );
}

/** Extract + chunk with the service's own functions, timed outside the request (same work the request does). */
async function timeExtractAndChunk(docs: BatchDocument[]): Promise<{ ms: number; chunks: number }> {
  const started = performance.now();
  let chunks = 0;
  for (const d of docs) {
    const extracted = await extractDocument({ content: d.text, contentType: 'text/plain' });
    chunks += chunkDocument(extracted, defaultChunking).length;
  }
  return { ms: performance.now() - started, chunks };
}

async function scifactIngest(): Promise<IngestRow | null> {
  const dir = datasetDir('beir-scifact', ['corpus.jsonl']);
  if (!dir) return null;
  const data = await loadSciFact(dir);
  const docs = data.documents.map((d) => ({ id: d.id, text: titleAndText(d.title, d.text) }));
  const timers = createTimers();
  const app = await startBenchApp({ wrapDeps: (deps) => withIngestTimers(deps, timers) });
  try {
    await app.call('POST', '/v1/collections', { name: 'scifact', embedder: null });
    const run = await ingestInBatches(app, 'scifact', docs, SCIFACT_BATCH);
    const local = await timeExtractAndChunk(docs);
    const total = run.seconds * 1000;
    printTable(
      `(a) SciFact, lexical-only: ${run.documents} documents -> ${run.chunks} chunks, batches of ${SCIFACT_BATCH}`,
      ['stage', 'time', 'share'],
      breakdownRows(total, [
        ['extract + chunk (timed separately)', local.ms],
        ['vector store writes (LanceDB, incl. waiting for index maintenance)', timers.ms.store ?? 0],
        ['document rows (libSQL)', timers.ms.metadata ?? 0],
      ]),
    );
    return {
      run: '(a) SciFact, lexical-only',
      documents: run.documents,
      chunks: run.chunks,
      seconds: run.seconds,
    };
  } finally {
    await app.close();
  }
}

async function syntheticIngest(): Promise<IngestRow> {
  const vocab = createZipfVocabulary(30_000);
  const rng = mulberry32(2024);
  const embedder = createSyntheticEmbedder({ name: 'bench-hash', dimensions: DIMENSIONS, clusters: 0 });
  const timers = createTimers();
  const app = await startBenchApp({
    embedders: [embedder],
    wrapDeps: (deps) => withIngestTimers(deps, timers),
  });
  try {
    await app.call('POST', '/v1/collections', { name: 'synthetic', embedder: 'bench-hash' });
    let documents = 0;
    let chunks = 0;
    let chunkMs = 0;
    let httpMs = 0;
    const batchMs: number[] = [];
    const started = performance.now();
    while (chunks < SYNTHETIC_CHUNKS) {
      // Documents of 1-12 paragraphs of 3-6 sentences: about 1-5 chunks each at the default 384 tokens.
      const batch: BatchDocument[] = [];
      for (let i = 0; i < SYNTHETIC_BATCH; i++) {
        const paragraphs = 1 + Math.floor(rng() * 12);
        const parts: string[] = [];
        for (let p = 0; p < paragraphs; p++) parts.push(paragraph(vocab, rng, 3 + Math.floor(rng() * 4)));
        batch.push({
          id: `doc-${documents + i}`,
          text: parts.join('\n\n'),
          metadata: { group: (documents + i) % 16 },
        });
      }
      chunkMs += (await timeExtractAndChunk(batch)).ms;
      const run = await ingestInBatches(app, 'synthetic', batch, SYNTHETIC_BATCH);
      httpMs += run.seconds * 1000;
      batchMs.push(...run.batchMs);
      documents += run.documents;
      chunks += run.chunks;
    }
    const wallSeconds = (performance.now() - started) / 1000;
    console.log(
      `  (b) generated and ingested in ${wallSeconds.toFixed(1)} s wall (data generation and the separate extract+chunk timing excluded from the figures)`,
    );
    printTable(
      `(b) synthetic: ${documents} documents -> ${chunks} chunks (${DIMENSIONS}-d synthetic embedder), batches of ${SYNTHETIC_BATCH} documents`,
      ['stage', 'time', 'share'],
      breakdownRows(httpMs, [
        ['extract + chunk (timed separately)', chunkMs],
        ['embed (synthetic, constant cost)', embedder.elapsedMs],
        ['vector store writes (LanceDB, incl. waiting for index maintenance)', timers.ms.store ?? 0],
        ['document rows (libSQL)', timers.ms.metadata ?? 0],
      ]),
    );
    printWrites(timers, batchMs);
    return { run: '(b) synthetic, 384-d synthetic embedder', documents, chunks, seconds: httpMs / 1000 };
  } finally {
    await app.close();
  }
}

function printWrites(timers: Timers, batchMs: number[]): void {
  const median = percentile(timers.writes, 50);
  const slow = timers.writes
    .map((ms, i) => ({ ms, i }))
    .filter((w) => w.ms > 3 * median)
    .map((w) => `#${w.i + 1}: ${(w.ms / 1000).toFixed(2)} s`);
  console.log(
    `  vector store writes: ${timers.writes.length}, median ${median.toFixed(0)} ms, mean ${mean(timers.writes).toFixed(0)} ms; ` +
      `request p50 ${percentile(batchMs, 50).toFixed(0)} ms, p95 ${percentile(batchMs, 95).toFixed(0)} ms, max ${Math.max(...batchMs).toFixed(0)} ms`,
  );
  console.log(
    `  writes over 3x the median (these waited for a background optimize / index build of the table): ${slow.join(', ') || 'none'}`,
  );
}

export async function runIngestThroughput(): Promise<IngestRow[]> {
  const rows: IngestRow[] = [];
  const a = await scifactIngest();
  if (a) rows.push(a);
  rows.push(await syntheticIngest());
  printTable(
    'Ingestion throughput (end to end through the app, in process)',
    ['run', 'documents', 'chunks', 'seconds', 'docs/s', 'chunks/s'],
    rows.map((r) => [
      r.run,
      r.documents,
      r.chunks,
      r.seconds.toFixed(1),
      (r.documents / r.seconds).toFixed(0),
      (r.chunks / r.seconds).toFixed(0),
    ]),
  );
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  checkSourceCondition();
  printMachine();
  await runIngestThroughput();
}
