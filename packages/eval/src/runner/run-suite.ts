import type { EvalCase, EvalRepeat, EvalRun } from '../run/eval-run.js';
import { type DatasetCase, inlineDataset, readDataset } from '../suite/dataset.js';
import { type SuiteDefinition, SuiteError } from '../suite/suite-definition.js';
import { resolveTarget } from '../targets/resolve-target.js';
import type { ResolvedTarget } from '../targets/target.js';
import { LIBRARY_VERSION } from '../version.js';
import { mapBounded } from './bounded-pool.js';
import { contentHash } from './content-hash.js';
import type { FetchLike } from './endpoint-client.js';
import { evaluateGates } from './evaluate-gates.js';
import { type ScoringServices, scoreRepeat } from './score-repeat.js';

export interface RunSuiteOptions {
  /** Replaces the global fetch (tests, proxies). */
  fetch?: FetchLike;
  /** A previous run (see `parseRun`) to compare with. */
  baseline?: EvalRun;
  /** Overrides the suite's `repeats`. */
  repeats?: number;
  /** Where `target.apiKeyEnv` is looked up; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Judge and embedder for the asynchronous metrics; default: built from the suite's `judge` and `embedder`. */
  services?: ScoringServices;
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
  const dataset =
    suite.dataset === undefined ? inlineDataset(suite.cases ?? []) : await readDataset(suite.dataset);
  if (dataset.length === 0) throw new SuiteError(where, 'dataset', `${suite.dataset} has no cases`);
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const target = await resolveTarget(suite.target, {
    fetch: fetchImpl,
    env: options.env ?? process.env,
    where,
  });
  const services = options.services ?? {};
  const startedAt = new Date().toISOString();

  const calls = dataset.flatMap((item) => Array.from({ length: repeats }, () => item));
  const outcomes = await mapBounded(calls, suite.concurrency ?? 4, (item) =>
    runOnce(suite, target, item, services),
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
      return config;
    }),
    cases,
    gates,
    summary: { cases: cases.length, errors, incomplete, passed: !incomplete && gatesPassed },
  };
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

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
