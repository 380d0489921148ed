import { absoluteGate } from '../gate/absolute-gate.js';
import type { CaseResult } from '../gate/case-result.js';
import { detectFlakyCases } from '../gate/flaky.js';
import { comparePaired } from '../gate/paired-comparison.js';
import type {
  BaselineGateRecord,
  EvalGateResults,
  EvalOperationalSummary,
  OperationalFigure,
  OperationalGateRecord,
  ScoredCase,
  ScoredRun,
} from '../run/eval-run.js';
import { type SuiteDefinition, SuiteError } from '../suite/suite-definition.js';
import { passThreshold } from './score-output.js';

/** Per case, each metric's mean over the repeats that scored it (repeats are aggregated before gating). */
export function aggregateCases(cases: readonly ScoredCase[]): CaseResult[] {
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

export interface GateVerdict {
  gates: EvalGateResults;
  /** Calls failed beyond what the suite tolerates: no verdict on quality (exit code 2). */
  incomplete: boolean;
  /** Complete, and every gate passed. */
  passed: boolean;
}

/**
 * Whether failed calls leave the run incomplete. `gate.operational.errorRate` (default 0) is the share of
 * failed calls the suite tolerates:
 * - 0 (the default): any failed call makes the run incomplete (exit 2): an infrastructure problem is never
 *   a quality verdict.
 * - above 0: the suite treats failures as an operational property of the target. At or under the rate the
 *   run is complete and gated on the calls that answered; over it the run is complete and its `errorRate`
 *   gate fails (exit 1). A run in which no call answered stays incomplete whatever the rate: there is
 *   nothing to gate and the target was simply unreachable.
 */
export function isIncomplete(suite: SuiteDefinition, operational: EvalOperationalSummary): boolean {
  if (operational.errorRate === 0) return false;
  const tolerated = suite.gate?.operational?.errorRate ?? 0;
  return tolerated === 0 || operational.errorRate === 1;
}

/** Gates the run: see {@link isIncomplete} for failed calls, {@link evaluateGates} for the gates. */
export function judgeRun(
  suite: SuiteDefinition,
  cases: readonly ScoredCase[],
  operational: EvalOperationalSummary,
  baseline?: ScoredRun,
): GateVerdict {
  const incomplete = isIncomplete(suite, operational);
  // With failed calls some gates may have no data; that is a consequence of the failures, not of the suite.
  const lenient = operational.errorRate > 0;
  const gates = evaluateGates(suite, cases, lenient, baseline);
  const operationalGates = evaluateOperationalGates(suite, operational, lenient);
  if (operationalGates !== undefined) gates.operational = operationalGates;
  const passed =
    !incomplete &&
    gates.absolute.every((gate) => gate.passed) &&
    gates.baseline.every((gate) => gate.verdict !== 'regressed') &&
    (gates.operational ?? []).every((gate) => gate.passed);
  return { gates, incomplete, passed };
}

const FIGURES: readonly OperationalFigure[] = [
  'latencyP50Ms',
  'latencyP95Ms',
  'costPerCaseMicros',
  'errorRate',
];

/**
 * The suite's `gate.operational` maxima against the run's figures, undefined when it sets none. An
 * `errorRate` of 0 is no gate (failed calls make the run incomplete instead, see {@link isIncomplete}).
 * A limit on a figure the run has no value for (no call reported a cost) is a configuration error on a
 * run without failed calls, and left out otherwise.
 */
export function evaluateOperationalGates(
  suite: SuiteDefinition,
  operational: EvalOperationalSummary,
  lenient: boolean,
): OperationalGateRecord[] | undefined {
  const limits = suite.gate?.operational;
  if (limits === undefined) return undefined;
  const records: OperationalGateRecord[] = [];
  for (const figure of FIGURES) {
    const max = limits[figure];
    if (max === undefined || (figure === 'errorRate' && max === 0)) continue;
    const value = operational[figure];
    if (value === null) {
      if (lenient) continue;
      throw new SuiteError(
        `suite "${suite.name}"`,
        `gate.operational.${figure}`,
        figure === 'costPerCaseMicros'
          ? `no call reported a cost (target kind "${suite.target.kind}")`
          : 'no call answered',
      );
    }
    records.push({ figure, value, max, passed: value <= max });
  }
  return records;
}

/**
 * The absolute gates of the suite and, given a baseline run, the paired comparison of every metric both runs
 * have. A gate without data is a configuration error unless `lenient` (a run with failed calls, whose
 * missing data the failures explain) leaves it out.
 */
export function evaluateGates(
  suite: SuiteDefinition,
  cases: readonly ScoredCase[],
  lenient: boolean,
  baseline?: ScoredRun,
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
          caseBetter: metric.higherIsBetter === false ? 'lower' : 'higher',
          // a pass rate is higher-is-better whatever the metric's direction; a mean follows the metric
          comparator: metric.higherIsBetter === false && definition.statistic !== 'passRate' ? '<=' : '>=',
          threshold: definition.threshold,
          exclude,
        }),
      );
    } catch (error) {
      if (lenient || !(error instanceof RangeError)) return;
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
        if (lenient || !(error instanceof RangeError)) continue;
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
