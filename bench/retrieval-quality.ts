/**
 * Retrieval quality on public IR test collections, through the real app in process: BEIR SciFact
 * (nDCG@10, recall@100 over the 300 test queries) and CISI (MAP, nDCG@10 over the 76 judged queries),
 * lexical mode on a lexical-only collection; dense and hybrid only when a real embedding model is on disk.
 *
 *   npx tsx --conditions=@ragline/source bench/retrieval-quality.ts
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmbedderInfo, QueryResponse, RetrievalMode } from '@ragline/sdk/contracts';
import type { LanceDbVectorStore } from '../packages/server/src/adapters/vector-store/lancedb-vector-store.js';
import { collectionRef } from '../packages/server/src/services/collections/collection-ref.js';
import { type EvalDataset, loadCisi, loadSciFact } from './lib/datasets.js';
import { checkSourceCondition, datasetDir, printMachine, REPO_ROOT } from './lib/env.js';
import { type BenchApp, startBenchApp } from './lib/harness.js';
import { ingestInBatches, titleAndText } from './lib/ingest-batches.js';
import { checkMetrics } from './lib/metrics.check.js';
import { averagePrecision, documentRanking, ndcgAtK, recallAtK } from './lib/metrics.js';
import { fixed, mean, printTable } from './lib/table.js';

const TOP_K = 1000; // the API's maximum: deep enough for recall@100 and MAP (trec_eval's default depth)
const BATCH = 256;
const UNINDEXED_SAMPLE = 25;

export interface QualityRow {
  dataset: string;
  mode: string;
  metric: string;
  value: number;
  reference: string;
  target?: number;
}

interface RunMetrics {
  ndcg10: number;
  recall100: number;
  map: number;
  msPerQuery: number;
}

async function evaluate(
  app: BenchApp,
  collection: string,
  data: EvalDataset,
  mode: RetrievalMode,
  queries = data.queries,
): Promise<RunMetrics & { top10: Map<string, string[]> }> {
  const ndcg: number[] = [];
  const recall: number[] = [];
  const ap: number[] = [];
  const top10 = new Map<string, string[]>();
  const started = performance.now();
  for (const q of queries) {
    const res = await app.call<QueryResponse>('POST', `/v1/collections/${collection}/query`, {
      query: q.text,
      mode,
      topK: TOP_K,
    });
    const ranking = documentRanking(res.results);
    const relevant = data.qrels.get(q.id) ?? new Set<string>();
    ndcg.push(ndcgAtK(ranking, relevant, 10));
    recall.push(recallAtK(ranking, relevant, 100));
    ap.push(averagePrecision(ranking, relevant));
    top10.set(q.id, ranking.slice(0, 10));
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    ndcg10: mean(ndcg),
    recall100: mean(recall),
    map: mean(ap),
    msPerQuery: (seconds * 1000) / queries.length,
    top10,
  };
}

async function ingestDataset(app: BenchApp, name: string, data: EvalDataset, embedder: string | null) {
  await app.call('POST', '/v1/collections', { name, embedder });
  const docs = data.documents.map((d) => ({ id: d.id, text: titleAndText(d.title, d.text) }));
  const ingest = await ingestInBatches(app, name, docs, BATCH);
  console.log(
    `  ${name}: ${ingest.documents} documents -> ${ingest.chunks} chunks in ${ingest.seconds.toFixed(1)} s` +
      (embedder ? ` (embedder ${embedder})` : ' (lexical-only)'),
  );
  return ingest;
}

/** Optimizes the collection now (the store's background optimize would, about a second after the last write). */
async function optimizeCollection(app: BenchApp, name: string): Promise<number> {
  const store = app.deps.vectors as Partial<LanceDbVectorStore>;
  const row = await app.deps.metadata.collections.getByName('default', name);
  if (!store.optimize || !row) return 0;
  const t = performance.now();
  await store.optimize(collectionRef(row));
  return performance.now() - t;
}

async function runLexical(key: 'scifact' | 'cisi', data: EvalDataset): Promise<QualityRow[]> {
  const app = await startBenchApp();
  try {
    await ingestDataset(app, key, data, null);
    // Right after ingestion the rows are not in the full-text index yet (the store indexes them in the
    // background about a second after the last write; until then LanceDB scans them). Sample queries in
    // that state, then optimize explicitly, so the full evaluation does not depend on timing.
    const sample = data.queries.slice(0, UNINDEXED_SAMPLE);
    const unindexed = await evaluate(app, key, data, 'lexical', sample);
    const optimizeMs = await optimizeCollection(app, key);
    const indexed = await evaluate(app, key, data, 'lexical');
    const differing = sample.filter(
      (q) => unindexed.top10.get(q.id)?.join() !== indexed.top10.get(q.id)?.join(),
    ).length;
    console.log(
      `  ${key}: lexical topK ${TOP_K} over HTTP: ${unindexed.msPerQuery.toFixed(0)} ms/query unindexed ` +
        `(first ${sample.length} queries), optimize ${optimizeMs.toFixed(0)} ms, then ${indexed.msPerQuery.toFixed(1)} ms/query; ` +
        `top-10 documents differ on ${differing} of ${sample.length} sampled queries`,
    );
    return key === 'scifact' ? scifactRows('lexical (BM25)', indexed) : cisiRows('lexical (BM25)', indexed);
  } finally {
    await app.close();
  }
}

function scifactRows(mode: string, m: RunMetrics): QualityRow[] {
  return [
    {
      dataset: 'SciFact',
      mode,
      metric: 'nDCG@10',
      value: m.ndcg10,
      reference: mode.startsWith('lexical')
        ? 'BM25 0.665 (BEIR paper); 0.679 Anserini flat'
        : 'bge-small-en-v1.5 0.72 (MTEB)',
      ...(mode.startsWith('lexical') ? { target: 0.665 } : {}),
    },
    {
      dataset: 'SciFact',
      mode,
      metric: 'recall@100',
      value: m.recall100,
      reference: mode.startsWith('lexical') ? 'BM25 0.908 (BEIR paper)' : '',
    },
  ];
}

function cisiRows(mode: string, m: RunMetrics): QualityRow[] {
  return [
    { dataset: 'CISI', mode, metric: 'MAP', value: m.map, reference: 'plain BM25, no stemming: ~0.17-0.18' },
    {
      dataset: 'CISI',
      mode,
      metric: 'nDCG@10',
      value: m.ndcg10,
      reference: 'plain BM25, no stemming: ~0.31-0.34',
    },
  ];
}

/** A real embedding model on disk: RAGLINE_BENCH_EMBEDDING_MODEL (a model folder), else `<repo>/.ragline/models/<default>`. */
function localModelFolder(): string | null {
  const configured = process.env.RAGLINE_BENCH_EMBEDDING_MODEL;
  if (configured) return isAbsolute(configured) ? configured : join(REPO_ROOT, configured);
  const fallback = join(REPO_ROOT, '.ragline', 'models', 'Xenova', 'bge-small-en-v1.5');
  return existsSync(join(fallback, 'onnx')) ? fallback : null;
}

async function runDense(data: EvalDataset): Promise<QualityRow[]> {
  const folder = localModelFolder();
  if (!folder) {
    console.log(
      '  SciFact dense/hybrid: skipped, no embedding model on disk (no internet here to download one). ' +
        'Set RAGLINE_BENCH_EMBEDDING_MODEL to a model folder (e.g. .ragline/models/Xenova/bge-small-en-v1.5).',
    );
    return [];
  }
  const app = await startBenchApp({ env: { RAGLINE_EMBEDDING_MODEL: folder } });
  try {
    const probe = await app.call<{ data: EmbedderInfo[] }>('GET', '/v1/embedders?probe=true');
    const local = probe.data.find((e) => e.name === 'local');
    if (!local?.available) {
      console.log(`  SciFact dense/hybrid: skipped, model at ${folder} unavailable: ${local?.reason ?? '?'}`);
      return [];
    }
    await ingestDataset(app, 'scifact-dense', data, 'local');
    await optimizeCollection(app, 'scifact-dense');
    const rows: QualityRow[] = [];
    for (const mode of ['dense', 'hybrid'] as const) {
      rows.push(...scifactRows(`${mode} (${local.model})`, await evaluate(app, 'scifact-dense', data, mode)));
    }
    return rows;
  } finally {
    await app.close();
  }
}

export async function runRetrievalQuality(): Promise<QualityRow[]> {
  checkMetrics();
  console.log('metric self-check: ok');
  const rows: QualityRow[] = [];
  const scifactDir = datasetDir('beir-scifact', ['corpus.jsonl', 'queries.jsonl', 'qrels/test.tsv']);
  if (scifactDir) {
    const scifact = await loadSciFact(scifactDir);
    console.log(`${scifact.name}: ${scifact.documents.length} documents, ${scifact.queries.length} queries`);
    rows.push(...(await runLexical('scifact', scifact)));
    rows.push(...(await runDense(scifact)));
  }
  const cisiDir = datasetDir('cisi', ['CISI.ALL', 'CISI.QRY', 'CISI.REL']);
  if (cisiDir) {
    const cisi = await loadCisi(cisiDir);
    console.log(`${cisi.name}: ${cisi.documents.length} documents, ${cisi.queries.length} queries`);
    rows.push(...(await runLexical('cisi', cisi)));
  }
  if (rows.length === 0) {
    console.log('retrieval quality: skipped (no datasets)');
    return rows;
  }
  printTable(
    'Retrieval quality (documents ranked by their best chunk; binary relevance, trec_eval definitions)',
    ['dataset', 'mode', 'metric', 'value', 'published reference', 'target'],
    rows.map((r) => [
      r.dataset,
      r.mode,
      r.metric,
      fixed(r.value),
      r.reference,
      r.target === undefined ? '' : `>= ${r.target} ${r.value >= r.target ? 'met' : 'MISSED'}`,
    ]),
  );
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  checkSourceCondition();
  printMachine();
  await runRetrievalQuality();
}
