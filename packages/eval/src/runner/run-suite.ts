import { caseCacheKey, metricConfigCacheKey } from '../cache/cache-keys.js';
import { RunCache } from '../cache/run-cache.js';
import type {
  EvalCase,
  EvalRepeat,
  EvalRun,
  JsonValue,
  ScoredCase,
  ScoredRepeat,
  ScoredRun,
} from '../run/eval-run.js';
import { operationalSummary } from '../run/summarize-run.js';
import { type DatasetCase, inlineDataset, readDataset } from '../suite/dataset.js';
import { renderInput } from '../suite/render-input.js';
import { type SuiteDefinition, SuiteError } from '../suite/suite-definition.js';
import { resolveTarget } from '../targets/resolve-target.js';
import type { ResolvedTarget, TargetContext } from '../targets/target.js';
import { LIBRARY_VERSION } from '../version.js';
import { forEachBounded } from './bounded-pool.js';
import { contentHash } from './content-hash.js';
import type { FetchLike } from './endpoint-client.js';
import { judgeRun } from './evaluate-gates.js';
import { ResultsFileWriter } from './results-file.js';
import { type ScoringServices, scoreRepeat } from './score-repeat.js';
import { type BuiltScoringServices, buildScoringServices } from './scoring-services.js';

export interface RunSuiteOptions {
  /** Replaces the global fetch (tests, proxies). */
  fetch?: FetchLike;
  /** A previous run (see `parseRun`) to compare with. */
  baseline?: ScoredRun;
  /** Overrides the suite's `repeats`. */
  repeats?: number;
  /** Overrides the suite's `concurrency`. */
  concurrency?: number;
  /** Where `target.apiKeyEnv` is looked up; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Judge and embedder for the asynchronous metrics; default: built from the suite's `judge` and `embedder`. */
  services?: ScoringServices;
  /**
   * Reuse the repeats earlier runs stored in `dir` (same target content hash, case, metric config and
   * repeat index) instead of calling the target, and store the new ones; default false: every call is made.
   */
  cache?: { dir: string } | false;
  /** Anything else the scores depend on that neither the suite nor `services` says, for the cache key. */
  metricConfigExtra?: JsonValue;
  /** After each call (or cache hit): calls done so far and the run's total (cases x repeats). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Calls the target once per case x repeat (at most `concurrency` at a time), scores every answer, and
 * returns the run document with its gate results. A failed call is recorded on its repeat as an `error`
 * and makes the run incomplete (unless the suite tolerates an error rate); it is never scored as a quality
 * failure. Every case stays in memory: for large suites see {@link runSuiteToFile}.
 */
export async function runSuite(suite: SuiteDefinition, options: RunSuiteOptions = {}): Promise<EvalRun> {
  const cases: EvalCase[] = [];
  const run = await executeSuite(suite, options, (index, evalCase) => {
    cases[index] = evalCase;
  });
  return { ...run, cases };
}

/**
 * {@link runSuite} for large suites: each case is appended to `resultsFile` (see `readResultsFile`) as it
 * finishes, and the returned run keeps only scores, latencies and costs, so memory stays flat whatever the
 * answers' size. `renderJsonReportChunks(run, readResultsFile(resultsFile))` writes the full run document.
 */
export async function runSuiteToFile(
  suite: SuiteDefinition,
  resultsFile: string,
  options: RunSuiteOptions = {},
): Promise<ScoredRun> {
  const writer = await ResultsFileWriter.create(resultsFile);
  try {
    return await executeSuite(suite, options, (index, evalCase) => writer.append(index, evalCase));
  } finally {
    await writer.close();
  }
}

type CaseSink = (index: number, evalCase: EvalCase) => void | Promise<void>;

async function executeSuite(
  suite: SuiteDefinition,
  options: RunSuiteOptions,
  emit: CaseSink,
): Promise<ScoredRun> {
  const where = `suite "${suite.name}"`;
  const repeats = options.repeats ?? suite.repeats ?? 1;
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new SuiteError(where, 'repeats', `must be a positive integer, got ${repeats}`);
  const concurrency = options.concurrency ?? suite.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new SuiteError(where, 'concurrency', `must be a positive integer, got ${concurrency}`);
  const dataset =
    suite.dataset === undefined ? inlineDataset(suite.cases ?? []) : await readDataset(suite.dataset);
  if (dataset.length === 0) throw new SuiteError(where, 'dataset', `${suite.dataset} has no cases`);
  const context: TargetContext = {
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    env: options.env ?? process.env,
    where,
  };
  const target = await resolveTarget(suite.target, context);
  const services = options.services ?? (await buildScoringServices(suite, context));
  const cache =
    options.cache === undefined || options.cache === false
      ? undefined
      : await RunCache.open(
          options.cache.dir,
          suite.metrics.map((metric) => metric.name),
        );
  const metricsKey = metricConfigCacheKey(suite, services, options.metricConfigExtra);
  const startedAt = new Date().toISOString();

  const scored = new Array<ScoredCase>(dataset.length);
  // Cases with a repeat still running; at most about `concurrency` of them, since calls start in order.
  const open = new Map<number, { repeats: EvalRepeat[]; remaining: number }>();
  const total = dataset.length * repeats;
  let done = 0;
  await forEachBounded(total, concurrency, async (call) => {
    const caseIndex = Math.floor(call / repeats);
    const item = dataset[caseIndex] as DatasetCase;
    const key = cache && {
      target: target.ref.contentHash,
      case: caseCacheKey(item),
      metrics: metricsKey,
      repeat: call % repeats,
    };
    const stored = key && (await cache?.get(key));
    let repeat: EvalRepeat;
    if (stored !== undefined) repeat = { ...stored, cached: true };
    else {
      repeat = await runOnce(suite, target, item, services);
      if (key !== undefined) await cache?.put(key, repeat);
    }
    const entry = open.get(caseIndex) ?? { repeats: new Array<EvalRepeat>(repeats), remaining: repeats };
    entry.repeats[call % repeats] = repeat;
    entry.remaining -= 1;
    open.set(caseIndex, entry);
    if (entry.remaining === 0) {
      open.delete(caseIndex);
      const evalCase = toEvalCase(item, entry.repeats);
      scored[caseIndex] = toScoredCase(evalCase);
      await emit(caseIndex, evalCase);
    }
    done += 1;
    options.onProgress?.(done, total);
  });

  const operational = operationalSummary(scored);
  const verdict = judgeRun(suite, scored, operational, options.baseline);
  return {
    suite: {
      name: suite.name,
      hash: contentHash({ name: suite.name, cases: dataset, metrics: suite.metrics, gate: suite.gate }),
    },
    target: target.ref,
    startedAt,
    finishedAt: new Date().toISOString(),
    libraryVersion: LIBRARY_VERSION,
    metrics: suite.metrics.map((metric) => {
      const config: EvalRun['metrics'][number] = {
        name: metric.name,
        kind: metric.kind,
        higherIsBetter: metric.higherIsBetter !== false,
      };
      if (metric.threshold !== undefined) config.threshold = metric.threshold;
      const judgePrompts = (services as Partial<BuiltScoringServices>).judgePromptRefs?.[metric.name];
      if (judgePrompts !== undefined && judgePrompts.length > 0) config.judgePrompts = judgePrompts;
      return config;
    }),
    cases: scored,
    gates: verdict.gates,
    summary: {
      cases: dataset.length,
      errors: scored.reduce(
        (sum, item) => sum + item.repeats.filter((repeat) => repeat.error !== undefined).length,
        0,
      ),
      incomplete: verdict.incomplete,
      passed: verdict.passed,
      operational,
    },
  };
}

function toEvalCase(item: DatasetCase, repeats: EvalRepeat[]): EvalCase {
  const evalCase: EvalCase = { id: item.id, input: caseInput(item), repeats };
  if (item.expected !== undefined) evalCase.expected = item.expected;
  if (item.tags !== undefined) evalCase.tags = item.tags;
  return evalCase;
}

/** The case without its input, expected value and outputs: what stays in memory while the run goes on. */
function toScoredCase(evalCase: EvalCase): ScoredCase {
  const repeats = evalCase.repeats.map(({ output: _output, ...rest }): ScoredRepeat => rest);
  return evalCase.tags === undefined
    ? { id: evalCase.id, repeats }
    : { id: evalCase.id, tags: evalCase.tags, repeats };
}

async function runOnce(
  suite: SuiteDefinition,
  target: ResolvedTarget,
  item: DatasetCase,
  services: ScoringServices,
): Promise<EvalRepeat> {
  const started = performance.now();
  let answer: Awaited<ReturnType<ResolvedTarget['call']>>;
  try {
    answer = await target.call(item, renderInput(item));
  } catch (error) {
    return {
      output: null,
      scores: {},
      passed: {},
      latencyMs: elapsed(started),
      error: (error as Error).message,
    };
  }
  const latencyMs = elapsed(started);
  const scored = await scoreRepeat(suite.metrics, answer, item, services);
  const repeat: EvalRepeat = { output: repeatOutput(answer), ...scored, latencyMs };
  if (answer.costMicros !== undefined) repeat.costMicros = answer.costMicros;
  return repeat;
}

/** The answer text, or for retrieval-only targets the ranked document ids. */
function repeatOutput(answer: Awaited<ReturnType<ResolvedTarget['call']>>): EvalRepeat['output'] {
  if (answer.output !== null) return answer.output;
  return (answer.contexts ?? []).map((context) => context.documentId);
}

function caseInput(item: DatasetCase): EvalCase['input'] {
  return item.variables === undefined ? item.input : { text: item.input, variables: item.variables };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
