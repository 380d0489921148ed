/** The scores one evaluation case got in one run, keyed by metric name (pass/fail checks as 1 or 0). */
export interface CaseResult {
  caseId: string;
  scores: Readonly<Record<string, number>>;
}

/** The results without the cases whose id is in `excluded` (for example quarantined flaky cases). */
export function excludeCases<T extends { caseId: string }>(
  results: readonly T[],
  excluded: Iterable<string>,
): T[] {
  const skip = new Set(excluded);
  return results.filter((result) => !skip.has(result.caseId));
}

/** The finite values of `metric`, in order; cases without it (or with NaN/±Infinity) are skipped. */
export function metricValues(results: readonly CaseResult[], metric: string): number[] {
  return results.map((result) => result.scores[metric]).filter((value) => Number.isFinite(value)) as number[];
}
