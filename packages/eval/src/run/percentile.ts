/**
 * Nearest-rank percentile: the smallest value with at least p% of the values at or below it. Always one of
 * the observed values (no interpolation), so a reported p95 latency is a latency that really happened.
 * Returns null for no values.
 */
export function nearestRankPercentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1] ?? null;
}
