import type { EvalCase, EvalRepeat, EvalRun, JsonValue, ScoredRun } from '../run/eval-run.js';

/**
 * The run as JSON with a stable key order (declared order for the run's own fields, alphabetical inside
 * free-form values and score maps), so two runs diff line by line and a saved file loads back as a baseline.
 */
export function renderJsonReport(run: EvalRun): string {
  return `${JSON.stringify(canonicalRun(run), null, 2)}\n`;
}

const EMPTY_CASES = '\n  "cases": [],\n';

/**
 * The text of {@link renderJsonReport} piece by piece, with the cases taken one at a time from `cases`
 * (e.g. `readResultsFile`) instead of `run.cases`: a large run is written without holding its outputs.
 */
export async function* renderJsonReportChunks(
  run: ScoredRun,
  cases: AsyncIterable<EvalCase> | Iterable<EvalCase>,
): AsyncGenerator<string> {
  const frame = renderJsonReport({ ...run, cases: [] });
  const at = frame.indexOf(EMPTY_CASES);
  if (at < 0) throw new Error('run document without a cases field');
  yield `${frame.slice(0, at)}\n  "cases": [`;
  let first = true;
  for await (const evalCase of cases) {
    const text = JSON.stringify(stripUndefined(canonicalCase(evalCase)), null, 2).replace(/\n/g, '\n    ');
    yield `${first ? '' : ','}\n    ${text}`;
    first = false;
  }
  yield `${first ? ']' : '\n  ]'},\n${frame.slice(at + EMPTY_CASES.length)}`;
}

function canonicalRun(run: EvalRun): JsonValue {
  return stripUndefined({
    suite: { name: run.suite.name, hash: run.suite.hash },
    target: {
      kind: run.target.kind,
      id: run.target.id,
      description: run.target.description,
      contentHash: run.target.contentHash,
    },
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    libraryVersion: run.libraryVersion,
    metrics: run.metrics.map((metric) => ({
      name: metric.name,
      kind: metric.kind,
      threshold: metric.threshold,
      higherIsBetter: metric.higherIsBetter,
    })),
    cases: run.cases.map(canonicalCase),
    gates: {
      absolute: run.gates.absolute.map((gate) => ({
        metric: gate.metric,
        statistic: gate.statistic,
        passed: gate.passed,
        value: gate.value,
        comparator: gate.comparator,
        threshold: gate.threshold,
        n: gate.n,
      })),
      baseline: run.gates.baseline.map((gate) => ({
        metric: gate.metric,
        better: gate.better,
        n: gate.n,
        meanDiff: gate.meanDiff,
        ci: [gate.ci[0], gate.ci[1]],
        level: gate.level,
        margin: gate.margin,
        verdict: gate.verdict,
      })),
      baselineRef: run.gates.baselineRef && {
        suiteHash: run.gates.baselineRef.suiteHash,
        contentHash: run.gates.baselineRef.contentHash,
        startedAt: run.gates.baselineRef.startedAt,
      },
      operational: run.gates.operational?.map((gate) => ({
        figure: gate.figure,
        value: gate.value,
        max: gate.max,
        passed: gate.passed,
      })),
      quarantined: run.gates.quarantined && [...run.gates.quarantined],
    },
    summary: {
      cases: run.summary.cases,
      errors: run.summary.errors,
      incomplete: run.summary.incomplete,
      passed: run.summary.passed,
      operational: run.summary.operational && {
        calls: run.summary.operational.calls,
        cached: run.summary.operational.cached,
        errorRate: run.summary.operational.errorRate,
        latencyP50Ms: run.summary.operational.latencyP50Ms,
        latencyP95Ms: run.summary.operational.latencyP95Ms,
        costPerCaseMicros: run.summary.operational.costPerCaseMicros,
      },
    },
  });
}

function canonicalCase(evalCase: EvalCase): Record<string, unknown> {
  return {
    id: evalCase.id,
    input: sortKeys(evalCase.input),
    expected: evalCase.expected === undefined ? undefined : sortKeys(evalCase.expected),
    tags: evalCase.tags && [...evalCase.tags],
    repeats: evalCase.repeats.map(canonicalRepeat),
  };
}

function canonicalRepeat(repeat: EvalRepeat): Record<string, unknown> {
  return {
    output: sortKeys(repeat.output),
    scores: sortKeys(repeat.scores),
    passed: sortKeys(repeat.passed),
    latencyMs: repeat.latencyMs,
    costMicros: repeat.costMicros,
    error: repeat.error,
    cached: repeat.cached,
  };
}

function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key] as JsonValue)]),
  );
}

/** Drops absent optional fields (JSON.stringify would too, but explicitly keeps the result a JsonValue). */
function stripUndefined(value: unknown): JsonValue {
  if (Array.isArray(value)) return value.map(stripUndefined);
  if (value === null || typeof value !== 'object') return value as JsonValue;
  const result: Record<string, JsonValue> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry !== undefined) result[key] = stripUndefined(entry);
  }
  return result;
}
