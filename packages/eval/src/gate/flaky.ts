/** The pass/fail outcome of one case in one repeat. */
export interface CaseOutcome {
  caseId: string;
  passed: boolean;
}

export interface CaseRepeatSummary {
  caseId: string;
  runs: number;
  passes: number;
}

export interface FlakyReport {
  /** Cases that both passed and failed across repeats, by case id. */
  flaky: CaseRepeatSummary[];
  /** Cases with the same outcome in every repeat (including cases run only once), by case id. */
  stable: CaseRepeatSummary[];
}

/**
 * Groups outcomes by case id; a case is flaky when at least one repeat passed and at least one failed.
 * Pass the flaky ids to the gates' `exclude` option to quarantine them.
 */
export function detectFlakyCases(outcomes: readonly CaseOutcome[]): FlakyReport {
  const byCase = new Map<string, CaseRepeatSummary>();
  for (const { caseId, passed } of outcomes) {
    const summary = byCase.get(caseId) ?? { caseId, runs: 0, passes: 0 };
    summary.runs += 1;
    if (passed) summary.passes += 1;
    byCase.set(caseId, summary);
  }
  const summaries = [...byCase.values()].sort((a, b) =>
    a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0,
  );
  const isFlaky = (s: CaseRepeatSummary) => s.passes > 0 && s.passes < s.runs;
  return { flaky: summaries.filter(isFlaky), stable: summaries.filter((s) => !isFlaky(s)) };
}
