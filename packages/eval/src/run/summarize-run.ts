import type { EvalOperationalSummary, ScoredCase, ScoredRun } from './eval-run.js';
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
  /** See {@link EvalOperationalSummary.costPerCaseMicros}. */
  costPerCaseMicros: number | null;
  /** In the order of `run.metrics`. */
  metrics: MetricStatistics[];
}

/** Per-metric and operational statistics of a run. Every repeat counts as one observation. */
export function summarizeRun(run: ScoredRun): RunStatistics {
  const repeats = run.cases.flatMap((evalCase) => evalCase.repeats);
  const operational = operationalSummary(run.cases);
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
    errors: repeats.filter((repeat) => repeat.error !== undefined).length,
    errorRate: operational.errorRate,
    latencyP50Ms: operational.latencyP50Ms,
    latencyP95Ms: operational.latencyP95Ms,
    costPerCaseMicros: operational.costPerCaseMicros,
    metrics,
  };
}

/**
 * Latency percentiles over the calls that did not fail, cost per case and error rate. Cached repeats count
 * as the calls they were (with their recorded latency and cost), so a cached run reports what a fresh one
 * would have.
 */
export function operationalSummary(cases: readonly ScoredCase[]): EvalOperationalSummary {
  let calls = 0;
  let cached = 0;
  let errors = 0;
  const latencies: number[] = [];
  const cost = new CostMean();
  for (const evalCase of cases) {
    let caseCost = 0;
    let costed = 0;
    for (const repeat of evalCase.repeats) {
      calls += 1;
      if (repeat.cached === true) cached += 1;
      if (repeat.error !== undefined) errors += 1;
      else latencies.push(repeat.latencyMs);
      if (repeat.costMicros !== undefined) {
        caseCost += repeat.costMicros;
        costed += 1;
      }
    }
    if (costed > 0) cost.add(caseCost, costed);
  }
  return {
    calls,
    cached,
    errorRate: calls === 0 ? 0 : errors / calls,
    latencyP50Ms: nearestRankPercentile(latencies, 50),
    latencyP95Ms: nearestRankPercentile(latencies, 95),
    costPerCaseMicros: cost.roundedMean(),
  };
}

/**
 * The mean of per-case means (`total / repeats` each) in exact rational arithmetic, rounded half up to a
 * whole micro-dollar, so 0.5 micro-dollars never flips with floating-point error.
 */
class CostMean {
  private numerator = 0n;
  private denominator = 1n;
  private cases = 0n;

  add(total: number, repeats: number): void {
    const n = BigInt(repeats);
    this.numerator = this.numerator * n + BigInt(Math.round(total)) * this.denominator;
    this.denominator *= n;
    const divisor = gcd(this.numerator, this.denominator);
    this.numerator /= divisor;
    this.denominator /= divisor;
    this.cases += 1n;
  }

  roundedMean(): number | null {
    if (this.cases === 0n) return null;
    const denominator = this.denominator * this.cases;
    return Number((2n * this.numerator + denominator) / (2n * denominator));
  }
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}
