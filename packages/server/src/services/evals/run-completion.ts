import type { EvalRun } from '@ragline/eval';
import type { EvalRunCompletion } from '../../ports/eval-repositories.js';

/**
 * What the store and the promotion gate keep from a run document. `passed` is decided here from the gate
 * records, not taken from the document's summary: a run passes only when it is complete, has at least one
 * gate (an ungated run proves nothing), and every gate in it passed.
 */
export function completionOf(run: EvalRun, at: string): EvalRunCompletion {
  return {
    suiteHash: run.suite.hash,
    targetId: run.target.id ?? null,
    targetContentHash: run.target.contentHash,
    passed: failingReasons(run).length === 0,
    incomplete: run.summary.incomplete,
    failing: failingReasons(run),
    run,
    at,
  };
}

/**
 * One line per reason the run does not pass, e.g. `exact_match mean 0.62 < 0.80` or
 * `token_f1 regressed vs baseline: -0.12 [-0.18, -0.06]`; empty for a passing run.
 */
export function failingReasons(run: EvalRun): string[] {
  const reasons: string[] = [];
  if (run.summary.incomplete) {
    const repeats = run.cases.reduce((sum, item) => sum + item.repeats.length, 0);
    reasons.push(
      `incomplete: ${run.summary.errors} of ${repeats} calls failed (infrastructure errors, not scored)`,
    );
  }
  for (const gate of run.gates.absolute) {
    if (gate.passed) continue;
    const failedAs = gate.comparator === '<=' ? '>' : '<';
    reasons.push(
      `${gate.metric} ${gate.statistic ?? 'mean'} ${fixed(gate.value)} ${failedAs} ${fixed(gate.threshold)}`,
    );
  }
  for (const gate of run.gates.baseline) {
    if (gate.verdict !== 'regressed') continue;
    reasons.push(
      `${gate.metric} regressed vs baseline: ${signed(gate.meanDiff)} [${fixed(gate.ci[0])}, ${fixed(gate.ci[1])}]`,
    );
  }
  for (const gate of run.gates.operational ?? []) {
    if (!gate.passed) reasons.push(`${gate.figure} ${fixed(gate.value)} > ${fixed(gate.max)}`);
  }
  const gates = run.gates.absolute.length + run.gates.baseline.length + (run.gates.operational?.length ?? 0);
  if (gates === 0) reasons.push('ungated: the suite has no absolute, baseline or operational gate');
  if (reasons.length === 0 && !run.summary.passed) reasons.push('the run did not pass its gates');
  return reasons;
}

function fixed(value: number): string {
  return value.toFixed(2);
}

function signed(value: number): string {
  return value > 0 ? `+${fixed(value)}` : fixed(value);
}
