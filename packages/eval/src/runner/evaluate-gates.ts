import { absoluteGate } from '../gate/absolute-gate.js';
import type { CaseResult } from '../gate/case-result.js';
import { detectFlakyCases } from '../gate/flaky.js';
import { comparePaired } from '../gate/paired-comparison.js';
import type { BaselineGateRecord, EvalCase, EvalGateResults, EvalRun } from '../run/eval-run.js';
import { type SuiteDefinition, SuiteError } from '../suite/suite-definition.js';
import { passThreshold } from './score-output.js';

/** Per case, each metric's mean over the repeats that scored it (repeats are aggregated before gating). */
export function aggregateCases(cases: readonly EvalCase[]): CaseResult[] {
  return cases.map((item) => {
    const sums = new Map<string, { total: number; n: number }>();
    for (const repeat of item.repeats) {
      for (const [metric, score] of Object.entries(repeat.scores)) {
        const entry = sums.get(metric) ?? { total: 0, n: 0 };
        entry.total += score;
        entry.n += 1;
        sums.set(metric, entry);
      }
    }
    const scores: Record<string, number> = {};
    for (const [metric, { total, n }] of sums) scores[metric] = total / n;
    return { caseId: item.id, scores };
  });
}

/**
 * The absolute gates of the suite and, given a baseline run, the paired comparison of every metric both runs
 * have. A gate without data is a configuration error on a complete run; on an incomplete run (which cannot
 * pass anyway) it is left out.
 */
export function evaluateGates(
  suite: SuiteDefinition,
  cases: readonly EvalCase[],
  incomplete: boolean,
  baseline?: EvalRun,
): EvalGateResults {
  const where = `suite "${suite.name}"`;
  const results = aggregateCases(cases);
  let quarantined: string[] | undefined;
  if (suite.gate?.quarantineFlaky === true) {
    const outcomes = cases.flatMap((item) =>
      item.repeats
        .filter((repeat) => repeat.error === undefined)
        .map((repeat) => ({ caseId: item.id, passed: Object.values(repeat.passed).every(Boolean) })),
    );
    quarantined = detectFlakyCases(outcomes).flaky.map((entry) => entry.caseId);
  }
  const exclude = quarantined ?? [];
  const gates: EvalGateResults = { absolute: [], baseline: [] };
  (suite.gate?.absolute ?? []).forEach((definition, i) => {
    const metric = suite.metrics.find((candidate) => candidate.name === definition.metric);
    if (metric === undefined) return;
    try {
      gates.absolute.push(
        absoluteGate(results, {
          metric: metric.name,
          statistic: definition.statistic ?? 'mean',
          passAt: passThreshold(metric),
          comparator: metric.higherIsBetter === false ? '<=' : '>=',
          threshold: definition.threshold,
          exclude,
        }),
      );
    } catch (error) {
      if (incomplete || !(error instanceof RangeError)) return;
      throw new SuiteError(
        where,
        `gate.absolute[${i}]`,
        `${error.message} (does the dataset have expected values?)`,
      );
    }
  });
  if (baseline !== undefined) {
    const options = suite.gate?.baseline ?? {};
    const baselineResults = aggregateCases(baseline.cases);
    for (const metric of suite.metrics) {
      if (!baseline.metrics.some((candidate) => candidate.name === metric.name)) continue;
      const margin =
        typeof options.margin === 'number' ? options.margin : (options.margin?.[metric.name] ?? 0);
      const level = options.level ?? 0.95;
      try {
        const comparison = comparePaired(
          baselineResults,
          results,
          { metric: metric.name, better: metric.higherIsBetter === false ? 'lower' : 'higher', margin },
          {
            exclude,
            confidence: level,
            ...(options.seed === undefined ? {} : { seed: options.seed }),
            ...(options.resamples === undefined ? {} : { resamples: options.resamples }),
          },
        );
        const record: BaselineGateRecord = { ...comparison, level };
        gates.baseline.push(record);
      } catch (error) {
        if (incomplete || !(error instanceof RangeError)) continue;
        throw new SuiteError(
          where,
          'gate.baseline',
          `${error.message}: the baseline shares no scored case with this run`,
        );
      }
    }
    gates.baselineRef = {
      suiteHash: baseline.suite.hash,
      contentHash: baseline.target.contentHash,
      startedAt: baseline.startedAt,
    };
  }
  if (quarantined !== undefined) gates.quarantined = quarantined;
  return gates;
}
