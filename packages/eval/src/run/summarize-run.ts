import type { EvalRun } from './eval-run.js';
import { nearestRankPercentile } from './percentile.js';

export interface MetricStatistics {
  name: string;
  /** Mean score over the repeats that scored this metric; null when none did. */
  mean: number | null;
  /** Share of scored repeats that passed this metric; null when none did. */
  passRate: number | null;
  /** Repeats that carry a score for this metric. */
  scored: number;
}

export interface RunStatistics {
  cases: number;
  repeats: number;
  errors: number;
  /** errors / repeats; 0 for a run without repeats. */
  errorRate: number;
  /** Nearest-rank percentiles over the repeats that did not error; null when none. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  /** Total recorded cost divided by cases, rounded to whole micro-dollars; null when no cost was recorded. */
  costPerCaseMicros: number | null;
  /** In the order of `run.metrics`. */
  metrics: MetricStatistics[];
}

/** Per-metric and operational statistics of a run. Every repeat counts as one observation. */
export function summarizeRun(run: EvalRun): RunStatistics {
  const repeats = run.cases.flatMap((evalCase) => evalCase.repeats);
  const errors = repeats.filter((repeat) => repeat.error !== undefined).length;
  const latencies = repeats.filter((repeat) => repeat.error === undefined).map((repeat) => repeat.latencyMs);
  const costs = repeats.flatMap((repeat) => (repeat.costMicros === undefined ? [] : [repeat.costMicros]));
  const totalCost = costs.reduce((sum, cost) => sum + cost, 0);

  const metrics = run.metrics.map(({ name }): MetricStatistics => {
    let scoreSum = 0;
    let scored = 0;
    let passed = 0;
    for (const repeat of repeats) {
      const score = repeat.scores[name];
      if (score === undefined) continue;
      scored += 1;
      scoreSum += score;
      if (repeat.passed[name] === true) passed += 1;
    }
    return {
      name,
      mean: scored === 0 ? null : scoreSum / scored,
      passRate: scored === 0 ? null : passed / scored,
      scored,
    };
  });

  return {
    cases: run.cases.length,
    repeats: repeats.length,
    errors,
    errorRate: repeats.length === 0 ? 0 : errors / repeats.length,
    latencyP50Ms: nearestRankPercentile(latencies, 50),
    latencyP95Ms: nearestRankPercentile(latencies, 95),
    costPerCaseMicros:
      costs.length === 0 || run.cases.length === 0 ? null : Math.round(totalCost / run.cases.length),
    metrics,
  };
}
