import type { EvalRun } from '../../run/eval-run.js';
import { runStatus } from '../format.js';

export interface ReportVerdict {
  label: 'PASSED' | 'GATE FAILED' | 'INCOMPLETE';
  /** Stable value for `data-verdict` and the CSS class. */
  key: 'passed' | 'gate-failed' | 'incomplete';
}

export function reportVerdict(run: EvalRun): ReportVerdict {
  switch (runStatus(run)) {
    case 'INCOMPLETE':
      return { label: 'INCOMPLETE', key: 'incomplete' };
    case 'FAILED':
      return { label: 'GATE FAILED', key: 'gate-failed' };
    default:
      return { label: 'PASSED', key: 'passed' };
  }
}

/**
 * Names that failed a gate, in first-seen order: metrics over an absolute gate or regressed against the
 * baseline, then operational figures over their limit.
 */
export function failingMetrics(run: EvalRun): string[] {
  const names = [
    ...run.gates.absolute.filter((gate) => !gate.passed).map((gate) => gate.metric),
    ...run.gates.baseline.filter((gate) => gate.verdict === 'regressed').map((gate) => gate.metric),
    ...(run.gates.operational ?? []).filter((gate) => !gate.passed).map((gate) => gate.figure),
  ];
  return [...new Set(names)];
}
