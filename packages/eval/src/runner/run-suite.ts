import type { EvalCase, EvalRepeat, EvalRun } from '../run/eval-run.js';
import { type DatasetCase, readDataset } from '../suite/dataset.js';
import { type SuiteDefinition, SuiteError } from '../suite/suite-definition.js';
import { LIBRARY_VERSION } from '../version.js';
import { mapBounded } from './bounded-pool.js';
import { contentHash } from './content-hash.js';
import { completeChat, type FetchLike } from './endpoint-client.js';
import { evaluateGates } from './evaluate-gates.js';
import { scoreOutput } from './score-output.js';

export interface RunSuiteOptions {
  /** Replaces the global fetch (tests, proxies). */
  fetch?: FetchLike;
  /** A previous run (see `parseRun`) to compare with. */
  baseline?: EvalRun;
  /** Overrides the suite's `repeats`. */
  repeats?: number;
  /** Where `target.apiKeyEnv` is looked up; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Calls the target once per case x repeat (at most `concurrency` at a time), scores every answer, and
 * returns the run document with its gate results. A failed call is recorded on its repeat as an `error`
 * and makes the run incomplete; it is never scored as a quality failure.
 */
export async function runSuite(suite: SuiteDefinition, options: RunSuiteOptions = {}): Promise<EvalRun> {
  const where = `suite "${suite.name}"`;
  const repeats = options.repeats ?? suite.repeats ?? 1;
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new SuiteError(where, 'repeats', `must be a positive integer, got ${repeats}`);
  const apiKey = resolveApiKey(suite, options.env ?? process.env, where);
  const dataset = await readDataset(suite.dataset);
  if (dataset.length === 0) throw new SuiteError(where, 'dataset', `${suite.dataset} has no cases`);
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const startedAt = new Date().toISOString();

  const calls = dataset.flatMap((item) => Array.from({ length: repeats }, () => item));
  const outcomes = await mapBounded(calls, suite.concurrency ?? 4, (item) =>
    runOnce(suite, item, apiKey, fetchImpl),
  );
  const cases: EvalCase[] = dataset.map((item, i) => {
    const evalCase: EvalCase = {
      id: item.id,
      input: caseInput(item),
      repeats: outcomes.slice(i * repeats, (i + 1) * repeats),
    };
    if (item.expected !== undefined) evalCase.expected = item.expected;
    if (item.tags !== undefined) evalCase.tags = item.tags;
    return evalCase;
  });

  const errors = outcomes.filter((repeat) => repeat.error !== undefined).length;
  const incomplete = errors > 0;
  const gates = evaluateGates(suite, cases, incomplete, options.baseline);
  const gatesPassed =
    gates.absolute.every((gate) => gate.passed) &&
    gates.baseline.every((gate) => gate.verdict !== 'regressed');
  const { kind, baseURL, model, system, temperature } = suite.target;
  return {
    suite: {
      name: suite.name,
      hash: contentHash({ name: suite.name, cases: dataset, metrics: suite.metrics, gate: suite.gate }),
    },
    target: {
      kind,
      description: `${model} at ${baseURL}`,
      contentHash: contentHash({ kind, baseURL, model, system, temperature }),
    },
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
      return config;
    }),
    cases,
    gates,
    summary: { cases: cases.length, errors, incomplete, passed: !incomplete && gatesPassed },
  };
}

async function runOnce(
  suite: SuiteDefinition,
  item: DatasetCase,
  apiKey: string | undefined,
  fetchImpl: FetchLike,
): Promise<EvalRepeat> {
  const started = performance.now();
  let output: string;
  try {
    output = await completeChat(suite.target, renderInput(item), apiKey, fetchImpl);
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
  const scores: Record<string, number> = {};
  const passed: Record<string, boolean> = {};
  for (const metric of suite.metrics) {
    const result = scoreOutput(metric, output, item);
    if (result === undefined) continue;
    scores[metric.name] = result.score;
    passed[metric.name] = result.passed;
  }
  return { output, scores, passed, latencyMs };
}

/** The case's input with `{{name}}` placeholders replaced by its variables (unknown names stay as they are). */
export function renderInput(item: DatasetCase): string {
  const variables = item.variables ?? {};
  return item.input.replace(
    /\{\{\s*([\w.-]+)\s*\}\}/g,
    (placeholder, name: string) => variables[name] ?? placeholder,
  );
}

function caseInput(item: DatasetCase): EvalCase['input'] {
  return item.variables === undefined ? item.input : { text: item.input, variables: item.variables };
}

function resolveApiKey(
  suite: SuiteDefinition,
  env: Readonly<Record<string, string | undefined>>,
  where: string,
): string | undefined {
  const name = suite.target.apiKeyEnv;
  if (name === undefined) return undefined;
  const value = env[name];
  if (value === undefined || value === '')
    throw new SuiteError(where, 'target.apiKeyEnv', `environment variable ${name} is not set`);
  return value;
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
