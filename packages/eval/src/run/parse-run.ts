import type {
  AbsoluteGateRecord,
  BaselineGateRecord,
  EvalCase,
  EvalGateResults,
  EvalMetricConfig,
  EvalOperationalSummary,
  EvalRepeat,
  EvalRun,
  EvalTargetKind,
  JsonValue,
  OperationalFigure,
  OperationalGateRecord,
} from './eval-run.js';

/** A loaded run document is not an EvalRun; `path` names the offending field, e.g. `run.cases[2].id`. */
export class RunParseError extends Error {
  override readonly name = 'RunParseError';
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

const TARGET_KINDS: readonly EvalTargetKind[] = ['release', 'prompt-model', 'collection', 'endpoint'];
const VERDICTS: readonly BaselineGateRecord['verdict'][] = ['regressed', 'improved', 'no-difference'];
const COMPARATORS = ['>=', '<='] as const;
const DIRECTIONS = ['higher', 'lower'] as const;
const FIGURES: readonly OperationalFigure[] = [
  'latencyP50Ms',
  'latencyP95Ms',
  'costPerCaseMicros',
  'errorRate',
];

/**
 * Validates a run document (text or already-parsed JSON), typically a baseline loaded from disk or the
 * server. Returns a fresh object holding only the known fields; throws RunParseError at the first problem.
 */
export function parseRun(input: unknown): EvalRun {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new RunParseError('run', `is not valid JSON (${(error as Error).message})`);
    }
  }
  const run = object(value, 'run');
  const metrics = array(run.metrics, 'run.metrics').map((item, i) => metricConfig(item, `run.metrics[${i}]`));
  const metricNames = new Set<string>();
  metrics.forEach((metric, i) => {
    if (metricNames.has(metric.name))
      throw new RunParseError(`run.metrics[${i}].name`, `duplicate metric "${metric.name}"`);
    metricNames.add(metric.name);
  });
  const caseIds = new Set<string>();
  const cases = array(run.cases, 'run.cases').map((item, i) => {
    const parsed = evalCase(item, `run.cases[${i}]`, metricNames);
    // Baseline comparison pairs cases by id, so an id must name one case.
    if (caseIds.has(parsed.id))
      throw new RunParseError(`run.cases[${i}].id`, `duplicate case id "${parsed.id}"`);
    caseIds.add(parsed.id);
    return parsed;
  });
  const suite = object(run.suite, 'run.suite');
  const target = object(run.target, 'run.target');
  const summary = object(run.summary, 'run.summary');
  return {
    suite: { name: string(suite.name, 'run.suite.name'), hash: string(suite.hash, 'run.suite.hash') },
    target: {
      kind: oneOf(target.kind, 'run.target.kind', TARGET_KINDS),
      ...optional(target, 'id', 'run.target', string),
      ...optional(target, 'description', 'run.target', string),
      contentHash: string(target.contentHash, 'run.target.contentHash'),
    },
    startedAt: timestamp(run.startedAt, 'run.startedAt'),
    finishedAt: timestamp(run.finishedAt, 'run.finishedAt'),
    libraryVersion: string(run.libraryVersion, 'run.libraryVersion'),
    metrics,
    cases,
    gates: gates(run.gates, 'run.gates'),
    summary: {
      cases: count(summary.cases, 'run.summary.cases'),
      errors: count(summary.errors, 'run.summary.errors'),
      incomplete: boolean(summary.incomplete, 'run.summary.incomplete'),
      passed: boolean(summary.passed, 'run.summary.passed'),
      ...optional(summary, 'operational', 'run.summary', operationalSummary),
    },
  };
}

function operationalSummary(value: unknown, path: string): EvalOperationalSummary {
  const item = object(value, path);
  const rate = nonNegative(item.errorRate, `${path}.errorRate`);
  if (rate > 1) throw new RunParseError(`${path}.errorRate`, `expected a share in 0..1, got ${rate}`);
  return {
    calls: count(item.calls, `${path}.calls`),
    cached: count(item.cached, `${path}.cached`),
    errorRate: rate,
    latencyP50Ms: nullable(item.latencyP50Ms, `${path}.latencyP50Ms`, nonNegative),
    latencyP95Ms: nullable(item.latencyP95Ms, `${path}.latencyP95Ms`, nonNegative),
    costPerCaseMicros: nullable(item.costPerCaseMicros, `${path}.costPerCaseMicros`, count),
  };
}

function metricConfig(value: unknown, path: string): EvalMetricConfig {
  const metric = object(value, path);
  return {
    name: string(metric.name, `${path}.name`),
    kind: string(metric.kind, `${path}.kind`),
    ...optional(metric, 'threshold', path, number),
    higherIsBetter: boolean(metric.higherIsBetter, `${path}.higherIsBetter`),
    ...optional(metric, 'judgePrompts', path, (refs, refsPath) =>
      array(refs, refsPath).map((ref, i) => string(ref, `${refsPath}[${i}]`)),
    ),
  };
}

function evalCase(value: unknown, path: string, metricNames: ReadonlySet<string>): EvalCase {
  const item = object(value, path);
  if (!('input' in item)) throw new RunParseError(`${path}.input`, 'is missing');
  return {
    id: string(item.id, `${path}.id`),
    input: json(item.input, `${path}.input`),
    ...optional(item, 'expected', path, json),
    ...optional(item, 'tags', path, (tags, tagsPath) =>
      array(tags, tagsPath).map((tag, i) => string(tag, `${tagsPath}[${i}]`)),
    ),
    repeats: array(item.repeats, `${path}.repeats`).map((repeat, i) =>
      evalRepeat(repeat, `${path}.repeats[${i}]`, metricNames),
    ),
  };
}

/**
 * Validates one repeat (as a run document or the run cache stores it); `metricNames` are the metrics its
 * scores may name.
 */
export function parseRepeat(value: unknown, path: string, metricNames: ReadonlySet<string>): EvalRepeat {
  return evalRepeat(value, path, metricNames);
}

function evalRepeat(value: unknown, path: string, metricNames: ReadonlySet<string>): EvalRepeat {
  const repeat = object(value, path);
  if (!('output' in repeat))
    throw new RunParseError(`${path}.output`, 'is missing (null when the call failed)');
  return {
    output: json(repeat.output, `${path}.output`),
    scores: record(repeat.scores, `${path}.scores`, metricNames, number),
    passed: record(repeat.passed, `${path}.passed`, metricNames, boolean),
    latencyMs: nonNegative(repeat.latencyMs, `${path}.latencyMs`),
    ...optional(repeat, 'costMicros', path, count),
    ...optional(repeat, 'error', path, string),
    ...optional(repeat, 'cached', path, boolean),
  };
}

function gates(value: unknown, path: string): EvalGateResults {
  const item = object(value, path);
  const result: EvalGateResults = {
    absolute: array(item.absolute, `${path}.absolute`).map((gate, i) =>
      absoluteGate(gate, `${path}.absolute[${i}]`),
    ),
    baseline: array(item.baseline, `${path}.baseline`).map((gate, i) =>
      baselineGate(gate, `${path}.baseline[${i}]`),
    ),
  };
  if (item.baselineRef !== undefined) {
    const ref = object(item.baselineRef, `${path}.baselineRef`);
    result.baselineRef = {
      suiteHash: string(ref.suiteHash, `${path}.baselineRef.suiteHash`),
      contentHash: string(ref.contentHash, `${path}.baselineRef.contentHash`),
      startedAt: timestamp(ref.startedAt, `${path}.baselineRef.startedAt`),
    };
  }
  if (item.operational !== undefined) {
    result.operational = array(item.operational, `${path}.operational`).map((gate, i) =>
      operationalGate(gate, `${path}.operational[${i}]`),
    );
  }
  if (item.quarantined !== undefined) {
    result.quarantined = array(item.quarantined, `${path}.quarantined`).map((id, i) =>
      string(id, `${path}.quarantined[${i}]`),
    );
  }
  return result;
}

function absoluteGate(value: unknown, path: string): AbsoluteGateRecord {
  const gate = object(value, path);
  return {
    metric: string(gate.metric, `${path}.metric`),
    passed: boolean(gate.passed, `${path}.passed`),
    value: number(gate.value, `${path}.value`),
    threshold: number(gate.threshold, `${path}.threshold`),
    ...optional(gate, 'comparator', path, (value, at) => oneOf(value, at, COMPARATORS)),
    ...optional(gate, 'statistic', path, string),
    ...optional(gate, 'n', path, count),
  };
}

function operationalGate(value: unknown, path: string): OperationalGateRecord {
  const gate = object(value, path);
  return {
    figure: oneOf(gate.figure, `${path}.figure`, FIGURES),
    value: nonNegative(gate.value, `${path}.value`),
    max: nonNegative(gate.max, `${path}.max`),
    passed: boolean(gate.passed, `${path}.passed`),
  };
}

function baselineGate(value: unknown, path: string): BaselineGateRecord {
  const gate = object(value, path);
  const ci = array(gate.ci, `${path}.ci`);
  if (ci.length !== 2) throw new RunParseError(`${path}.ci`, `expected [low, high], got ${ci.length} values`);
  const low = number(ci[0], `${path}.ci[0]`);
  const high = number(ci[1], `${path}.ci[1]`);
  if (low > high) throw new RunParseError(`${path}.ci`, `low ${low} is above high ${high}`);
  return {
    metric: string(gate.metric, `${path}.metric`),
    n: count(gate.n, `${path}.n`),
    meanDiff: number(gate.meanDiff, `${path}.meanDiff`),
    ci: [low, high],
    margin: nonNegative(gate.margin, `${path}.margin`),
    verdict: oneOf(gate.verdict, `${path}.verdict`, VERDICTS),
    ...optional(gate, 'better', path, (value, at) => oneOf(value, at, DIRECTIONS)),
    ...optional(gate, 'level', path, number),
  };
}

// --- primitives -------------------------------------------------------------------------------------------

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `number ${value}`;
  return typeof value === 'undefined' ? 'nothing' : typeof value;
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RunParseError(path, `expected an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new RunParseError(path, `expected an array, got ${describe(value)}`);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new RunParseError(path, `expected a string, got ${describe(value)}`);
  return value;
}

function number(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RunParseError(path, `expected a finite number, got ${describe(value)}`);
  }
  return value;
}

function nonNegative(value: unknown, path: string): number {
  const result = number(value, path);
  if (result < 0) throw new RunParseError(path, `expected a number >= 0, got ${result}`);
  return result;
}

function count(value: unknown, path: string): number {
  const result = nonNegative(value, path);
  if (!Number.isSafeInteger(result)) throw new RunParseError(path, `expected a whole number, got ${result}`);
  return result;
}

function nullable<T>(value: unknown, path: string, check: (value: unknown, path: string) => T): T | null {
  return value === null ? null : check(value, path);
}

function boolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean')
    throw new RunParseError(path, `expected true or false, got ${describe(value)}`);
  return value;
}

function timestamp(value: unknown, path: string): string {
  const text = string(value, path);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new RunParseError(path, `expected an ISO 8601 timestamp, got ${describe(text)}`);
  }
  return text;
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new RunParseError(path, `expected one of ${allowed.join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

function json(value: unknown, path: string): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return number(value, path);
  if (Array.isArray(value)) return value.map((item, i) => json(item, `${path}[${i}]`));
  const item = object(value, path);
  return Object.fromEntries(Object.entries(item).map(([key, entry]) => [key, json(entry, `${path}.${key}`)]));
}

function record<T>(
  value: unknown,
  path: string,
  metricNames: ReadonlySet<string>,
  check: (value: unknown, path: string) => T,
): Record<string, T> {
  const item = object(value, path);
  const result: Record<string, T> = {};
  for (const [key, entry] of Object.entries(item)) {
    if (!metricNames.has(key))
      throw new RunParseError(`${path}.${key}`, `"${key}" is not a metric of this run`);
    result[key] = check(entry, `${path}.${key}`);
  }
  return result;
}

/** `{ key: parsed }` when the field is present, `{}` when absent, so optional fields stay absent. */
function optional<K extends string, T>(
  item: Record<string, unknown>,
  key: K,
  path: string,
  check: (value: unknown, path: string) => T,
): { [P in K]?: T } {
  if (item[key] === undefined) return {};
  return { [key]: check(item[key], `${path}.${key}`) } as { [P in K]?: T };
}
