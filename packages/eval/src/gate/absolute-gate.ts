import { type CaseResult, excludeCases, metricValues } from './case-result.js';
import { mean } from './statistics.js';

export interface AbsoluteGateOptions {
  metric: string;
  /**
   * `'mean'`: the mean of the metric over cases (for a 1/0 check this is its pass rate). `'passRate'`: the
   * fraction of cases whose value is >= `passAt`. Default `'mean'`.
   */
  statistic?: 'mean' | 'passRate';
  /** Per-case passing score for `statistic: 'passRate'`. Default 1. */
  passAt?: number;
  /**
   * For `statistic: 'passRate'`: a case passes at or above `passAt` (`'higher'`, default) or at or below
   * it (`'lower'`, for metrics where lower is better, such as latency).
   */
  caseBetter?: 'higher' | 'lower';
  /**
   * `'>='` passes when value >= threshold (higher is better), `'<='` when value <= threshold. A pass rate is
   * a share of passing cases, so for it use `'>='` whatever the metric's direction.
   */
  comparator: '>=' | '<=';
  threshold: number;
  /** Case ids left out, for example quarantined flaky cases. */
  exclude?: Iterable<string>;
}

export interface AbsoluteGateResult {
  metric: string;
  passed: boolean;
  value: number;
  threshold: number;
  comparator: '>=' | '<=';
  statistic: 'mean' | 'passRate';
  /** Number of cases that had a finite value of the metric. */
  n: number;
}

/**
 * Compares a statistic of one metric with a fixed threshold. Cases without a finite value of the metric are
 * skipped; throws a `RangeError` when no case has one (a gate without data must not pass silently).
 */
export function absoluteGate(
  results: readonly CaseResult[],
  options: AbsoluteGateOptions,
): AbsoluteGateResult {
  const values = metricValues(excludeCases(results, options.exclude ?? []), options.metric);
  if (values.length === 0) throw new RangeError(`no case has a value for metric "${options.metric}"`);
  const passAt = options.passAt ?? 1;
  const value =
    options.statistic === 'passRate'
      ? values.filter((v) => (options.caseBetter === 'lower' ? v <= passAt : v >= passAt)).length /
        values.length
      : mean(values);
  const passed = options.comparator === '>=' ? value >= options.threshold : value <= options.threshold;
  return {
    metric: options.metric,
    passed,
    value,
    threshold: options.threshold,
    comparator: options.comparator,
    statistic: options.statistic ?? 'mean',
    n: values.length,
  };
}
