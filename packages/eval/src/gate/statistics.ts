import { mulberry32 } from './random.js';

/** Arithmetic mean. Throws a `RangeError` for an empty list. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('cannot take the mean of no values');
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * The q-quantile (0 <= q <= 1) of already sorted values, interpolating linearly between order statistics
 * (Hyndman–Fan type 7, the default of R and NumPy): h = (n - 1) * q, result = x[floor h] + (h - floor h) *
 * (x[floor h + 1] - x[floor h]) with 0-based x.
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('cannot take a quantile of no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`q must be within [0, 1], got ${q}`);
  const h = (sorted.length - 1) * q;
  const below = Math.floor(h);
  const lower = sorted[below] as number;
  const upper = sorted[Math.min(below + 1, sorted.length - 1)] as number;
  return lower + (h - below) * (upper - lower);
}

export interface BootstrapOptions {
  /** Number of bootstrap resamples. Default 2000. */
  resamples?: number;
  /** Confidence level of the interval, in (0, 1). Default 0.95. */
  confidence?: number;
  /** Seed of the mulberry32 PRNG that draws the resamples. Default 20260601. */
  seed?: number;
}

export const DEFAULT_BOOTSTRAP = { resamples: 2000, confidence: 0.95, seed: 20260601 } as const;

/**
 * Percentile bootstrap confidence interval of the mean: draw `resamples` samples of size n with replacement
 * from `values`, take each sample's mean, and return the (1 - confidence) / 2 and (1 + confidence) / 2
 * quantiles ({@link quantileSorted}) of those means.
 */
export function bootstrapMeanInterval(
  values: readonly number[],
  options: BootstrapOptions = {},
): [number, number] {
  const { resamples, confidence, seed } = { ...DEFAULT_BOOTSTRAP, ...options };
  if (values.length === 0) throw new RangeError('cannot bootstrap no values');
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  }
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be within (0, 1), got ${confidence}`);
  const random = mulberry32(seed);
  const n = values.length;
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(random() * n)] as number;
    means[r] = sum / n;
  }
  means.sort();
  const sorted = Array.from(means);
  return [quantileSorted(sorted, (1 - confidence) / 2), quantileSorted(sorted, (1 + confidence) / 2)];
}
