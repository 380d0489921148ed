import type { EvalCase, JsonValue } from '../../run/eval-run.js';

/** One case's repeats condensed to what a table row shows. */
export interface CaseValues {
  /** Mean per metric over the repeats that scored it; absent when none did. */
  scores: Record<string, number>;
  outcome: 'pass' | 'fail' | 'error';
  /** Mean over the repeats that did not error; null when all did. */
  latencyMs: number | null;
  /** Sum over repeats, integer micro-dollars; null when no repeat recorded a cost. */
  costMicros: number | null;
  /** Distinct infrastructure errors, in order of first appearance. */
  errors: string[];
  /** Distinct outputs of the repeats that answered, in order of first appearance. */
  outputs: JsonValue[];
}

export function caseValues(evalCase: EvalCase, metrics: readonly string[]): CaseValues {
  const scores: Record<string, number> = {};
  for (const metric of metrics) {
    const values = evalCase.repeats.flatMap((repeat) => {
      const score = repeat.scores[metric];
      return score === undefined || !Number.isFinite(score) ? [] : [score];
    });
    if (values.length > 0) scores[metric] = values.reduce((sum, value) => sum + value, 0) / values.length;
  }
  const answered = evalCase.repeats.filter((repeat) => repeat.error === undefined);
  const errors = [
    ...new Set(evalCase.repeats.flatMap((repeat) => (repeat.error === undefined ? [] : [repeat.error]))),
  ];
  const failed = evalCase.repeats.some((repeat) => Object.values(repeat.passed).some((passed) => !passed));
  const costs = evalCase.repeats.flatMap((repeat) =>
    repeat.costMicros === undefined ? [] : [repeat.costMicros],
  );
  const outputs: JsonValue[] = [];
  const seen = new Set<string>();
  for (const repeat of answered) {
    const key = JSON.stringify(repeat.output);
    if (seen.has(key)) continue;
    seen.add(key);
    outputs.push(repeat.output);
  }
  return {
    scores,
    outcome: errors.length > 0 ? 'error' : failed ? 'fail' : 'pass',
    latencyMs:
      answered.length === 0
        ? null
        : answered.reduce((sum, repeat) => sum + repeat.latencyMs, 0) / answered.length,
    costMicros: costs.length === 0 ? null : costs.reduce((sum, cost) => sum + cost, 0),
    errors,
    outputs,
  };
}

/** A JSON value as text: strings as they are, anything else as indented JSON. */
export function jsonText(value: JsonValue | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}
