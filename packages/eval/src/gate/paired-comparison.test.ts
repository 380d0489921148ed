import { describe, expect, it } from 'vitest';
import type { CaseResult } from './case-result.js';
import { comparePaired, compareWithBaseline } from './paired-comparison.js';
import { mulberry32 } from './random.js';

const CASES = 60;

/** Baseline scores around 0.7; candidate = baseline + shift + uniform noise in [-noise/2, noise/2). */
function pairedRuns(
  shift: number,
  noise: number,
  seed = 1,
): { baseline: CaseResult[]; candidate: CaseResult[] } {
  const random = mulberry32(seed);
  const baseline: CaseResult[] = [];
  const candidate: CaseResult[] = [];
  for (let i = 0; i < CASES; i++) {
    const before = 0.7 + 0.4 * (random() - 0.5);
    baseline.push({ caseId: `case-${i}`, scores: { f1: before } });
    candidate.push({ caseId: `case-${i}`, scores: { f1: before + shift + noise * (random() - 0.5) } });
  }
  return { baseline, candidate };
}

describe('comparePaired', () => {
  it('fails a clear regression', () => {
    const { baseline, candidate } = pairedRuns(-0.2, 0.1);
    const result = comparePaired(baseline, candidate, { metric: 'f1', margin: 0.05 });
    expect(result.verdict).toBe('regressed');
    expect(result.n).toBe(CASES);
    expect(result.meanDiff).toBeCloseTo(-0.2, 1);
    expect(result.ci[1]).toBeLessThan(-0.05);
    expect(compareWithBaseline(baseline, candidate, [{ metric: 'f1', margin: 0.05 }]).passed).toBe(false);
  });

  it('passes a clear improvement and calls it improved', () => {
    const { baseline, candidate } = pairedRuns(0.2, 0.1);
    const result = comparePaired(baseline, candidate, { metric: 'f1', margin: 0.05 });
    expect(result.verdict).toBe('improved');
    expect(result.ci[0]).toBeGreaterThan(0);
    expect(compareWithBaseline(baseline, candidate, [{ metric: 'f1', margin: 0.05 }]).passed).toBe(true);
  });

  it('passes pure noise as no-difference', () => {
    // differences +e and -e in pairs: the mean difference is exactly 0 and the interval straddles it
    const random = mulberry32(3);
    const baseline: CaseResult[] = [];
    const candidate: CaseResult[] = [];
    for (let i = 0; i < CASES; i += 2) {
      const e = 0.1 * random();
      baseline.push({ caseId: `p${i}`, scores: { f1: 0.5 } }, { caseId: `p${i + 1}`, scores: { f1: 0.5 } });
      candidate.push(
        { caseId: `p${i}`, scores: { f1: 0.5 + e } },
        { caseId: `p${i + 1}`, scores: { f1: 0.5 - e } },
      );
    }
    const result = comparePaired(baseline, candidate, { metric: 'f1', margin: 0.01 });
    expect(result.meanDiff).toBeCloseTo(0, 12);
    expect(result.ci[0]).toBeLessThan(0);
    expect(result.ci[1]).toBeGreaterThan(0);
    expect(result.verdict).toBe('no-difference');
  });

  it('passes a real regression smaller than the margin, and fails it without one', () => {
    const { baseline, candidate } = pairedRuns(-0.02, 0.01);
    const withMargin = comparePaired(baseline, candidate, { metric: 'f1', margin: 0.05 });
    expect(withMargin.ci[1]).toBeLessThan(0);
    expect(withMargin.verdict).toBe('no-difference');
    expect(comparePaired(baseline, candidate, { metric: 'f1' }).verdict).toBe('regressed');
  });

  it('is reproducible for a seed and changes with it', () => {
    const { baseline, candidate } = pairedRuns(0, 0.2);
    const first = comparePaired(baseline, candidate, { metric: 'f1' }, { seed: 42 });
    const again = comparePaired(baseline, candidate, { metric: 'f1' }, { seed: 42 });
    const other = comparePaired(baseline, candidate, { metric: 'f1' }, { seed: 43 });
    expect(again).toEqual(first);
    expect(other.ci).not.toEqual(first.ci);
    expect(other.meanDiff).toBe(first.meanDiff);
  });

  it('flips the direction for lower-is-better metrics', () => {
    const baseline = Array.from({ length: 30 }, (_, i) => ({
      caseId: `q${i}`,
      scores: { latencyMs: 800 + i },
    }));
    const slower = baseline.map((r, i) => ({
      caseId: r.caseId,
      scores: { latencyMs: 950 + i + (i % 3) * 10 },
    }));
    const faster = baseline.map((r, i) => ({
      caseId: r.caseId,
      scores: { latencyMs: 600 + i + (i % 3) * 10 },
    }));
    const spec = { metric: 'latencyMs', better: 'lower' as const, margin: 50 };
    const regressed = comparePaired(baseline, slower, spec);
    expect(regressed.verdict).toBe('regressed');
    expect(regressed.meanDiff).toBeCloseTo(160, 9); // reported as candidate - baseline, not flipped
    expect(comparePaired(baseline, faster, spec).verdict).toBe('improved');
    expect(comparePaired(baseline, slower, { ...spec, better: 'higher' }).verdict).toBe('improved');
    expect(comparePaired(baseline, slower, { ...spec, margin: 200 }).verdict).toBe('no-difference');
  });

  it('pairs by case id and skips cases missing from either run', () => {
    const baseline: CaseResult[] = [
      { caseId: 'a', scores: { f1: 0.5 } },
      { caseId: 'b', scores: { f1: 0.5 } },
      { caseId: 'c', scores: {} },
      { caseId: 'only-baseline', scores: { f1: 0 } },
    ];
    const candidate = [
      { caseId: 'b', scores: { f1: 0.7 } },
      { caseId: 'c', scores: { f1: 0.9 } },
      { caseId: 'a', scores: { f1: 0.6 } },
      { caseId: 'only-candidate', scores: { f1: 1 } },
    ];
    const result = comparePaired(baseline, candidate, { metric: 'f1' });
    expect(result.n).toBe(2);
    expect(result.meanDiff).toBeCloseTo(0.15, 12);
    expect(result.ci[0]).toBeCloseTo(0.1, 12);
    expect(result.ci[1]).toBeCloseTo(0.2, 12);
  });

  it('excludes quarantined cases from the comparison', () => {
    const { baseline, candidate } = pairedRuns(0, 0);
    const flakyIds = ['case-0', 'case-1', 'case-2', 'case-3', 'case-4', 'case-5', 'case-6', 'case-7'];
    const broken = candidate.map((r) =>
      flakyIds.includes(r.caseId) ? { caseId: r.caseId, scores: { f1: -1 } } : r,
    );
    expect(comparePaired(baseline, broken, { metric: 'f1', margin: 0.05 }).verdict).toBe('regressed');
    const quarantined = comparePaired(
      baseline,
      broken,
      { metric: 'f1', margin: 0.05 },
      { exclude: flakyIds },
    );
    expect(quarantined).toMatchObject({
      n: CASES - flakyIds.length,
      meanDiff: 0,
      ci: [0, 0],
      verdict: 'no-difference',
    });
  });

  it('does not call one outlier a regression: the interval must lie wholly beyond the margin', () => {
    // about (59/60)^60 = 37 % of resamples miss the outlier, so the upper end of the interval stays at 0
    const { baseline, candidate } = pairedRuns(0, 0);
    const outlier = candidate.map((r) =>
      r.caseId === 'case-0' ? { caseId: r.caseId, scores: { f1: -100 } } : r,
    );
    const result = comparePaired(baseline, outlier, { metric: 'f1', margin: 0.05 });
    expect(result.meanDiff).toBeLessThan(-1);
    expect(result.ci[1]).toBe(0);
    expect(result.verdict).toBe('no-difference');
  });

  it('rejects ambiguous or empty input', () => {
    const one = [{ caseId: 'a', scores: { f1: 1 } }];
    expect(() => comparePaired([...one, ...one], one, { metric: 'f1' })).toThrow(/more than once/);
    expect(() => comparePaired(one, one, { metric: 'f1', margin: -1 })).toThrow(RangeError);
    expect(() => comparePaired(one, one, { metric: 'other' })).toThrow(RangeError);
  });
});

describe('compareWithBaseline', () => {
  it('fails when any one metric regressed', () => {
    const { baseline, candidate } = pairedRuns(0.2, 0.05);
    const withCost = (runs: CaseResult[], cost: number) =>
      runs.map((r, i) => ({ caseId: r.caseId, scores: { ...r.scores, costMicros: cost + (i % 5) } }));
    const gate = compareWithBaseline(withCost(baseline, 100), withCost(candidate, 180), [
      { metric: 'f1', margin: 0.02 },
      { metric: 'costMicros', better: 'lower', margin: 10 },
    ]);
    expect(gate.comparisons.map((c) => c.verdict)).toEqual(['improved', 'regressed']);
    expect(gate.passed).toBe(false);
  });
});
