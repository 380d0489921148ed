/**
 * The run document (ADR 0010): everything one evaluation produced, as plain JSON. The CLI writes it, the
 * server stores it, and a saved run is loaded back (through `parseRun`) as the baseline of the next one.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type EvalTargetKind = 'release' | 'prompt-model' | 'collection' | 'endpoint';

export interface EvalSuiteRef {
  name: string;
  /** Hash of the suite definition (dataset, metrics, thresholds): runs compare only on equal meaning. */
  hash: string;
}

export interface EvalTarget {
  kind: EvalTargetKind;
  /** Release or collection id, or "prompt@version model" for prompt-model targets. */
  id?: string;
  /** Free text where there is no id, e.g. an endpoint URL. */
  description?: string;
  /** Content hash of what was scored; promotion requires a passing run on exactly this hash. */
  contentHash: string;
}

export interface EvalRepeat {
  /** What the target answered; null when the call failed. */
  output: JsonValue;
  /** Score per metric name. Absent for a metric that could not be scored (see `error`). */
  scores: Record<string, number>;
  passed: Record<string, boolean>;
  latencyMs: number;
  /** Integer micro-dollars, from the ledger, when known. */
  costMicros?: number;
  /** Infrastructure failure (target or judge unreachable): never a quality failure. */
  error?: string;
  /** Reused from the run cache (an earlier run of the same target, case and metric config); absent when called. */
  cached?: boolean;
}

export interface EvalCase {
  id: string;
  input: JsonValue;
  expected?: JsonValue;
  tags?: string[];
  repeats: EvalRepeat[];
}

export interface EvalMetricConfig {
  name: string;
  /** Which metric function scored it, e.g. "equals", "token-f1", "recall@k". */
  kind: string;
  threshold?: number;
  higherIsBetter: boolean;
  /** Judged metrics: the registry prompts (`name@version`) the judge was asked with. */
  judgePrompts?: string[];
}

/** The record of an absolute gate (the shape `absoluteGate` returns fits): a metric's mean or pass rate against a threshold. */
export interface AbsoluteGateRecord {
  metric: string;
  passed: boolean;
  value: number;
  threshold: number;
  /** '>=' when higher is better, '<=' when lower is; absent when unknown. */
  comparator?: '>=' | '<=';
  /** Which statistic was compared ('mean', 'passRate'), when known. */
  statistic?: string;
  /** Cases that had a value of the metric. */
  n?: number;
}

/** The record of a paired baseline comparison (a `PairedComparison` fits): candidate - baseline over the cases both runs scored. */
export interface BaselineGateRecord {
  metric: string;
  /** Paired cases compared. */
  n: number;
  meanDiff: number;
  ci: [number, number];
  margin: number;
  verdict: 'regressed' | 'improved' | 'no-difference';
  better?: 'higher' | 'lower';
  /** Interval level, e.g. 0.95, when the gate reports it. */
  level?: number;
}

/** The operational figures a suite can limit (`gate.operational`). */
export type OperationalFigure = 'latencyP50Ms' | 'latencyP95Ms' | 'costPerCaseMicros' | 'errorRate';

/** One operational limit of the suite against the run's figure: passes when `value <= max`. */
export interface OperationalGateRecord {
  figure: OperationalFigure;
  value: number;
  max: number;
  passed: boolean;
}

export interface EvalGateResults {
  absolute: AbsoluteGateRecord[];
  baseline: BaselineGateRecord[];
  /** The suite's `gate.operational` limits, when it sets any. */
  operational?: OperationalGateRecord[];
  /** The baseline run compared against, when there was one. */
  baselineRef?: { suiteHash: string; contentHash: string; startedAt: string };
  /** Case ids whose outcome flipped between repeats and were left out of the gate. */
  quarantined?: string[];
}

/** Operational figures of a run (ADR 0010); every repeat is one target call, cached ones included. */
export interface EvalOperationalSummary {
  /** Target calls of the run (cases x repeats), including the ones answered from the run cache. */
  calls: number;
  /** Calls answered from the run cache. */
  cached: number;
  /** Calls that ended in an infrastructure error, divided by `calls`; 0 for no calls. */
  errorRate: number;
  /** Nearest-rank percentiles of the calls without an error; null when every call failed. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  /**
   * Mean cost of one case in integer micro-dollars (round half up): each case's mean over its repeats that
   * reported a cost, averaged over the cases that reported one; null when none did.
   */
  costPerCaseMicros: number | null;
}

export interface EvalRunSummary {
  cases: number;
  /** Repeats that ended in an infrastructure error. */
  errors: number;
  /**
   * Some cases could not be scored: the run is neither a pass nor a quality failure (exit code 2). With a
   * `gate.operational.errorRate` above 0 failed calls are gated instead (a run is then incomplete only when
   * no call answered).
   */
  incomplete: boolean;
  passed: boolean;
  /** Absent in runs written before operational figures were recorded. */
  operational?: EvalOperationalSummary;
}

/** A repeat without its output: what gates, summaries and the console, Markdown and JUnit reports read. */
export type ScoredRepeat = Omit<EvalRepeat, 'output'>;

export interface ScoredCase {
  id: string;
  tags?: string[];
  repeats: ScoredRepeat[];
}

/**
 * A run whose cases keep only their scores (no input, expected value or outputs): what `runSuiteToFile`
 * returns while the full cases stream to disk. Every EvalRun is a ScoredRun.
 */
export type ScoredRun = Omit<EvalRun, 'cases'> & { cases: ScoredCase[] };

export interface EvalRun {
  suite: EvalSuiteRef;
  target: EvalTarget;
  /** ISO 8601 timestamps. */
  startedAt: string;
  finishedAt: string;
  /** @ragline/eval version that produced the run. */
  libraryVersion: string;
  metrics: EvalMetricConfig[];
  cases: EvalCase[];
  gates: EvalGateResults;
  summary: EvalRunSummary;
}
