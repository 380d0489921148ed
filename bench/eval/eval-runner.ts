/**
 * The eval runner (`@ragline/eval` runSuiteToFile, as `ragline-eval run` uses it) against a local
 * OpenAI-compatible upstream in its own process (chat-upstream.ts):
 * (1) throughput: 1,000 cases at concurrency 16 with 50 ms upstream latency, wall time against the ideal
 *     1000 / 16 x 50 ms = 3.125 s (target: within 1.2x), without cache, with a cold and a warm run cache;
 * (2) memory: 10,000 cases with 2 KB answers, heap and RSS after 1k, 5k and 10k cases, results streamed to
 *     disk, then the same run kept in memory (`runSuite`) to show what streaming saves.
 *
 *   npx tsx --conditions=@ragline/source bench/eval/eval-runner.ts       # or: npm run bench:eval
 *
 * RAGLINE_BENCH_EVAL_CASES (default 10000) sets the memory run's size; RAGLINE_BENCH_EVAL_SKIP_THROUGHPUT=1
 * runs the memory part alone.
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { renderJsonReportChunks } from '../../packages/eval/src/reports/json-report.js';
import type { ScoredRun } from '../../packages/eval/src/run/eval-run.js';
import { readResultsFile } from '../../packages/eval/src/runner/results-file.js';
import { type RunSuiteOptions, runSuite, runSuiteToFile } from '../../packages/eval/src/runner/run-suite.js';
import type { SuiteDefinition } from '../../packages/eval/src/suite/suite-definition.js';
import { type Child, startChild } from '../gateway/child-process.js';
import { checkSourceCondition, printMachine, tempDir } from '../lib/env.js';
import { printTable } from '../lib/table.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const MiB = 2 ** 20;

async function startUpstream(latencyMs: number, answerBytes: number): Promise<{ child: Child; url: string }> {
  const { child, value: port } = await startChild(
    'chat upstream',
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/eval/chat-upstream.ts',
      '--latency-ms',
      String(latencyMs),
      '--answer-bytes',
      String(answerBytes),
    ],
    { ...process.env },
    (out) => {
      const match = /listening (\d+)/.exec(out);
      return match ? Number(match[1]) : undefined;
    },
  );
  return { child, url: `http://127.0.0.1:${port}/v1` };
}

/** A JSONL dataset of `count` cases "What is case N?" expecting "The answer is N.". */
async function writeDataset(dir: string, count: number): Promise<string> {
  const path = join(dir, `cases-${count}.jsonl`);
  const lines: string[] = [];
  for (let i = 1; i <= count; i += 1) {
    lines.push(
      JSON.stringify({ id: `case-${i}`, input: `What is case ${i}?`, expected: `The answer is ${i}.` }),
    );
  }
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

function suite(name: string, dataset: string, baseURL: string, concurrency: number): SuiteDefinition {
  return {
    name,
    dataset,
    target: { kind: 'endpoint', baseURL, model: 'bench-model' },
    metrics: [
      { name: 'mentions', kind: 'contains', options: { needles: ['The answer is'] } },
      { name: 'f1', kind: 'token-f1' },
    ],
    concurrency,
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

async function throughput(dir: string): Promise<void> {
  const cases = 1000;
  const concurrency = 16;
  const latencyMs = 50;
  const ideal = ((cases / concurrency) * latencyMs) / 1000;
  const upstream = await startUpstream(latencyMs, 2048);
  try {
    const dataset = await writeDataset(dir, cases);
    const warmup = await writeDataset(dir, 64);
    await runSuiteToFile(suite('warm-up', warmup, upstream.url, concurrency), join(dir, 'warmup.jsonl'));
    const spec = suite('throughput', dataset, upstream.url, concurrency);
    const rows: (string | number)[][] = [];
    const measure = async (label: string, options: RunSuiteOptions) => {
      const { value, seconds } = await timed(() =>
        runSuiteToFile(spec, join(dir, `results-${rows.length}.jsonl`), options),
      );
      check(value, cases);
      const op = value.summary.operational;
      rows.push([
        label,
        `${seconds.toFixed(3)} s`,
        `${ideal.toFixed(3)} s`,
        `${(seconds / ideal).toFixed(3)}x`,
        `${op?.latencyP50Ms} / ${op?.latencyP95Ms} ms`,
        op?.cached ?? 0,
      ]);
    };
    await measure('no cache', {});
    await measure('no cache (again)', {});
    const cacheDir = join(dir, 'cache');
    await measure('run cache, cold (every repeat stored)', { cache: { dir: cacheDir } });
    await measure('run cache, warm (no target call)', { cache: { dir: cacheDir } });
    printTable(
      `Eval runner: ${cases} cases, concurrency ${concurrency}, upstream ${latencyMs} ms, 2 KB answers, 2 metrics`,
      ['run', 'wall', 'ideal', 'ratio', 'latency p50 / p95', 'cached'],
      rows,
    );
  } finally {
    await upstream.child.stop();
  }
}

interface MemorySample {
  done: number;
  heapMiB: number;
  externalMiB: number;
  rssMiB: number;
}

function sample(done: number): MemorySample {
  gc();
  const usage = process.memoryUsage();
  return { done, heapMiB: usage.heapUsed / MiB, externalMiB: usage.external / MiB, rssMiB: usage.rss / MiB };
}

async function memory(dir: string): Promise<void> {
  const cases = Number(process.env.RAGLINE_BENCH_EVAL_CASES ?? 10_000);
  const concurrency = 64;
  const latencyMs = 5;
  const answerBytes = 2048;
  const checkpoints = new Set([
    1000,
    Math.round(cases / 4),
    Math.round(cases / 2),
    Math.round((3 * cases) / 4),
    cases,
  ]);
  const upstream = await startUpstream(latencyMs, answerBytes);
  try {
    const dataset = await writeDataset(dir, cases);
    const spec = suite('memory', dataset, upstream.url, concurrency);
    const passes: { label: string; samples: MemorySample[]; seconds: number; after?: MemorySample }[] = [];

    // Streamed first: RSS rarely shrinks, so the in-memory pass would inflate what follows it.
    const streamed: MemorySample[] = [];
    const resultsFile = join(dir, 'memory-results.jsonl');
    const start = sample(0);
    const { value: run, seconds } = await timed(() =>
      runSuiteToFile(spec, resultsFile, {
        onProgress: (done) => {
          if (checkpoints.has(done)) streamed.push(sample(done));
        },
      }),
    );
    check(run, cases);
    const reportPath = join(dir, 'run.json');
    await pipeline(
      Readable.from(renderJsonReportChunks(run, readResultsFile(resultsFile))),
      createWriteStream(reportPath),
    );
    passes.push({
      label: 'runSuiteToFile (streamed)',
      samples: [start, ...streamed],
      seconds,
      after: sample(cases),
    });

    const inMemory: MemorySample[] = [];
    const startInMemory = sample(0);
    const kept = await timed(() =>
      runSuite(spec, {
        onProgress: (done) => {
          if (checkpoints.has(done)) inMemory.push(sample(done));
        },
      }),
    );
    check(kept.value, cases);
    passes.push({
      label: 'runSuite (kept in memory)',
      samples: [startInMemory, ...inMemory],
      seconds: kept.seconds,
    });

    const rows = passes.flatMap((pass) => {
      const base = pass.samples[0] as MemorySample;
      const lines = pass.samples
        .slice(1)
        .map((s) => [
          pass.label,
          s.done,
          `${s.heapMiB.toFixed(1)} MiB`,
          `${(s.heapMiB - base.heapMiB).toFixed(1)} MiB`,
          `${s.externalMiB.toFixed(1)} MiB`,
          `${s.rssMiB.toFixed(1)} MiB`,
          `${pass.seconds.toFixed(2)} s`,
        ]);
      if (pass.after !== undefined) {
        lines.push([
          `${pass.label}, after writing the JSON report`,
          cases,
          `${pass.after.heapMiB.toFixed(1)} MiB`,
          `${(pass.after.heapMiB - base.heapMiB).toFixed(1)} MiB`,
          `${pass.after.externalMiB.toFixed(1)} MiB`,
          `${pass.after.rssMiB.toFixed(1)} MiB`,
          '',
        ]);
      }
      return lines;
    });
    printTable(
      `Eval runner memory: ${cases} cases, ${answerBytes} B answers, concurrency ${concurrency}, upstream ${latencyMs} ms (heap after a forced GC)`,
      ['run', 'cases done', 'heap used', 'heap growth since start', 'external', 'RSS', 'run wall'],
      rows,
    );
  } finally {
    await upstream.child.stop();
  }
}

function check(run: ScoredRun, cases: number): void {
  if (run.summary.cases !== cases || run.summary.errors !== 0 || !run.summary.passed) {
    throw new Error(`bench run went wrong: ${JSON.stringify(run.summary)}`);
  }
}

export async function runEvalBench(): Promise<void> {
  const tmp = await tempDir('eval');
  try {
    if (process.env.RAGLINE_BENCH_EVAL_SKIP_THROUGHPUT !== '1') await throughput(tmp.dir);
    await memory(tmp.dir);
  } finally {
    await tmp.cleanup();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  checkSourceCondition();
  printMachine();
  await runEvalBench();
}
