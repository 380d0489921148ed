import { describe, expect, it } from 'vitest';
import type { EvalOperationalSummary, ScoredCase } from '../run/eval-run.js';
import { type SuiteDefinition, SuiteError } from '../suite/suite-definition.js';
import { isIncomplete, judgeRun } from './evaluate-gates.js';

const suite = (operational?: NonNullable<SuiteDefinition['gate']>['operational']): SuiteDefinition => ({
  name: 'ops',
  cases: [{ id: 'a', input: 'q' }],
  target: { kind: 'release', release: 'production', server: 'http://127.0.0.1:9' },
  metrics: [{ name: 'exact', kind: 'equals' }],
  ...(operational === undefined ? {} : { gate: { operational } }),
});

const figures = (overrides: Partial<EvalOperationalSummary> = {}): EvalOperationalSummary => ({
  calls: 4,
  cached: 0,
  errorRate: 0,
  latencyP50Ms: 120,
  latencyP95Ms: 480,
  costPerCaseMicros: 1500,
  ...overrides,
});

const scored: ScoredCase[] = [
  { id: 'a', repeats: [{ scores: { exact: 1 }, passed: { exact: true }, latencyMs: 120 }] },
];

describe('judgeRun operational gates', () => {
  it('passes figures at or under their maxima and fails the ones over', () => {
    const verdict = judgeRun(
      suite({ latencyP50Ms: 120, latencyP95Ms: 400, costPerCaseMicros: 2000 }),
      scored,
      figures(),
    );
    expect(verdict.gates.operational).toEqual([
      { figure: 'latencyP50Ms', value: 120, max: 120, passed: true },
      { figure: 'latencyP95Ms', value: 480, max: 400, passed: false },
      { figure: 'costPerCaseMicros', value: 1500, max: 2000, passed: true },
    ]);
    expect(verdict).toMatchObject({ incomplete: false, passed: false });
    const cheap = judgeRun(suite({ costPerCaseMicros: 1499 }), scored, figures());
    expect(cheap.gates.operational).toEqual([
      { figure: 'costPerCaseMicros', value: 1500, max: 1499, passed: false },
    ]);
    expect(judgeRun(suite({ costPerCaseMicros: 1500 }), scored, figures()).passed).toBe(true);
    expect(judgeRun(suite(), scored, figures()).gates.operational).toBeUndefined();
  });

  it('calls a cost limit on a run that reported no cost a configuration error, naming the field', () => {
    const run = () =>
      judgeRun(suite({ costPerCaseMicros: 10 }), scored, figures({ costPerCaseMicros: null }));
    expect(run).toThrow(SuiteError);
    expect(run).toThrow('suite "ops": gate.operational.costPerCaseMicros: no call reported a cost');
  });

  it('tolerates failed calls only with an errorRate above 0, and never when no call answered', () => {
    expect(isIncomplete(suite(), figures())).toBe(false);
    expect(isIncomplete(suite(), figures({ errorRate: 0.25 }))).toBe(true);
    expect(isIncomplete(suite({ errorRate: 0 }), figures({ errorRate: 0.25 }))).toBe(true);
    expect(isIncomplete(suite({ errorRate: 0.1 }), figures({ errorRate: 0.25 }))).toBe(false);
    expect(isIncomplete(suite({ errorRate: 1 }), figures({ errorRate: 1 }))).toBe(true);

    const over = judgeRun(suite({ errorRate: 0.1 }), scored, figures({ errorRate: 0.25 }));
    expect(over).toMatchObject({ incomplete: false, passed: false });
    expect(over.gates.operational).toEqual([{ figure: 'errorRate', value: 0.25, max: 0.1, passed: false }]);
    // errorRate 0 is the default behaviour (incomplete), not a gate record.
    const strict = judgeRun(suite({ errorRate: 0 }), scored, figures({ errorRate: 0.25 }));
    expect(strict).toMatchObject({ incomplete: true, passed: false });
    expect(strict.gates.operational).toEqual([]);
  });
});

describe('judgeRun absolute gates on a lower-is-better metric', () => {
  const lowerSuite = (statistic: 'mean' | 'passRate', threshold: number): SuiteDefinition => ({
    ...suite(),
    metrics: [{ name: 'words', kind: 'token-f1', higherIsBetter: false, threshold: 0.3 }],
    gate: { absolute: [{ metric: 'words', statistic, threshold }] },
  });
  const cases: ScoredCase[] = [0.1, 0.2, 0.5, 0.25].map((score, i) => ({
    id: `c${i}`,
    repeats: [{ scores: { words: score }, passed: { words: score <= 0.3 }, latencyMs: 1 }],
  }));

  it('gates the pass rate from below: cases pass at or under the threshold', () => {
    const [gate] = judgeRun(lowerSuite('passRate', 0.75), cases, figures()).gates.absolute;
    expect(gate).toMatchObject({ statistic: 'passRate', value: 0.75, comparator: '>=', passed: true });
    expect(judgeRun(lowerSuite('passRate', 0.8), cases, figures()).passed).toBe(false);
  });

  it('gates the mean from above', () => {
    const [gate] = judgeRun(lowerSuite('mean', 0.3), cases, figures()).gates.absolute;
    expect(gate).toMatchObject({ statistic: 'mean', value: 0.2625, comparator: '<=', passed: true });
  });
});
