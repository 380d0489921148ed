import { type CaseResult, excludeCases } from './case-result.js';
import { type BootstrapOptions, bootstrapMeanInterval, mean } from './statistics.js';

export interface MetricGateSpec {
  metric: string;
  /** Default `'higher'` (quality scores); use `'lower'` for latency, cost and the like. */
  better?: 'higher' | 'lower';
  /** Largest regression allowed, in the metric's own units, >= 0. Default 0. */
  margin?: number;
}

export interface PairedComparisonOptions extends BootstrapOptions {
  /** Case ids left out of both runs, for example quarantined flaky cases. */
  exclude?: Iterable<string>;
}

export type Verdict = 'regressed' | 'improved' | 'no-difference';

export interface PairedComparison {
  metric: string;
  better: 'higher' | 'lower';
  /** Number of cases with a finite value of the metric in both runs. */
  n: number;
  /** Mean of candidate - baseline over the paired cases, in the metric's units (not sign-flipped). */
  meanDiff: number;
  /** Percentile bootstrap interval of `meanDiff`. */
  ci: [number, number];
  margin: number;
  verdict: Verdict;
}

export interface BaselineComparison {
  /** False when any metric regressed. */
  passed: boolean;
  comparisons: PairedComparison[];
}

/**
 * Paired comparison of one metric between a baseline run and a candidate run. Cases are matched by `caseId`;
 * only cases with a finite value in both runs count. With d = candidate - baseline per case, the verdict is
 * taken on the improvement u = d (higher is better) or u = -d (lower is better), whose bootstrap interval is
 * [lo, hi]: `'regressed'` when hi < -margin (the whole interval is a regression larger than the margin),
 * `'improved'` when lo > 0, `'no-difference'` otherwise (which includes a regression within the margin).
 * Throws a `RangeError` when a run repeats a case id, when the margin is negative, or when no case pairs up.
 */
export function comparePaired(
  baseline: readonly CaseResult[],
  candidate: readonly CaseResult[],
  spec: MetricGateSpec,
  options: PairedComparisonOptions = {},
): PairedComparison {
  const better = spec.better ?? 'higher';
  const margin = spec.margin ?? 0;
  if (!(margin >= 0)) throw new RangeError(`margin of "${spec.metric}" must be >= 0, got ${margin}`);
  const exclude = [...(options.exclude ?? [])];
  const baselineById = indexById(excludeCases(baseline, exclude), 'baseline');
  const differences: number[] = [];
  for (const [caseId, result] of indexById(excludeCases(candidate, exclude), 'candidate')) {
    const before = baselineById.get(caseId)?.scores[spec.metric];
    const after = result.scores[spec.metric];
    if (Number.isFinite(before) && Number.isFinite(after))
      differences.push((after as number) - (before as number));
  }
  if (differences.length === 0) {
    throw new RangeError(`no case has a value for metric "${spec.metric}" in both runs`);
  }
  const ci = bootstrapMeanInterval(differences, options);
  const sign = better === 'higher' ? 1 : -1;
  const [lo, hi] = sign === 1 ? ci : [-ci[1], -ci[0]];
  const verdict: Verdict = hi < -margin ? 'regressed' : lo > 0 ? 'improved' : 'no-difference';
  return {
    metric: spec.metric,
    better,
    n: differences.length,
    meanDiff: mean(differences),
    ci,
    margin,
    verdict,
  };
}

/** {@link comparePaired} for each metric; the gate passes when no metric regressed. */
export function compareWithBaseline(
  baseline: readonly CaseResult[],
  candidate: readonly CaseResult[],
  specs: readonly MetricGateSpec[],
  options: PairedComparisonOptions = {},
): BaselineComparison {
  const exclude = [...(options.exclude ?? [])];
  const comparisons = specs.map((spec) => comparePaired(baseline, candidate, spec, { ...options, exclude }));
  return { passed: comparisons.every((c) => c.verdict !== 'regressed'), comparisons };
}

function indexById(results: readonly CaseResult[], run: string): Map<string, CaseResult> {
  const byId = new Map<string, CaseResult>();
  for (const result of results) {
    if (byId.has(result.caseId)) {
      throw new RangeError(`${run} has case "${result.caseId}" more than once; aggregate repeats first`);
    }
    byId.set(result.caseId, result);
  }
  return byId;
}
