import { describe, expect, it } from 'vitest';
import { absoluteGate } from './absolute-gate.js';
import type { CaseResult } from './case-result.js';

const results: CaseResult[] = [
  { caseId: 'a', scores: { exact: 1, f1: 0.4, latencyMs: 900 } },
  { caseId: 'b', scores: { exact: 0, f1: 0.6, latencyMs: 1100 } },
  { caseId: 'c', scores: { exact: 1, f1: 0.9, latencyMs: 1300 } },
  { caseId: 'd', scores: { exact: 1, latencyMs: 700 } },
];

describe('absoluteGate', () => {
  it('compares the mean with the threshold', () => {
    expect(absoluteGate(results, { metric: 'exact', comparator: '>=', threshold: 0.8 })).toEqual({
      metric: 'exact',
      passed: false,
      value: 0.75,
      threshold: 0.8,
      comparator: '>=',
      statistic: 'mean',
      n: 4,
    });
    expect(absoluteGate(results, { metric: 'exact', comparator: '>=', threshold: 0.75 }).passed).toBe(true);
  });

  it('supports lower-is-better thresholds', () => {
    expect(absoluteGate(results, { metric: 'latencyMs', comparator: '<=', threshold: 1000 }).passed).toBe(
      true,
    );
    expect(absoluteGate(results, { metric: 'latencyMs', comparator: '<=', threshold: 999 }).passed).toBe(
      false,
    );
  });

  it('computes a pass rate at a per-case passing score, skipping cases without the metric', () => {
    const gate = absoluteGate(results, {
      metric: 'f1',
      statistic: 'passRate',
      passAt: 0.5,
      comparator: '>=',
      threshold: 0.6,
    });
    expect(gate.n).toBe(3);
    expect(gate.value).toBeCloseTo(2 / 3, 12);
    expect(gate.passed).toBe(true);
  });

  it('leaves excluded cases out', () => {
    const gate = absoluteGate(results, { metric: 'exact', comparator: '>=', threshold: 1, exclude: ['b'] });
    expect(gate).toMatchObject({ passed: true, value: 1, n: 3 });
  });

  it('refuses to decide without data', () => {
    expect(() => absoluteGate(results, { metric: 'missing', comparator: '>=', threshold: 0 })).toThrow(
      RangeError,
    );
  });
});

describe('absoluteGate on a lower-is-better metric', () => {
  const latency = [
    { caseId: 'a', scores: { ms: 120 } },
    { caseId: 'b', scores: { ms: 480 } },
    { caseId: 'c', scores: { ms: 90 } },
    { caseId: 'd', scores: { ms: 300 } },
  ];

  it('counts a case as passing at or below passAt, and gates the pass rate from below', () => {
    const gate = absoluteGate(latency, {
      metric: 'ms',
      statistic: 'passRate',
      passAt: 300,
      caseBetter: 'lower',
      comparator: '>=',
      threshold: 0.75,
    });
    expect(gate).toMatchObject({ value: 0.75, passed: true }); // 120, 90, 300 pass; 480 fails
    expect(
      absoluteGate(latency, {
        metric: 'ms',
        statistic: 'passRate',
        passAt: 200,
        caseBetter: 'lower',
        comparator: '>=',
        threshold: 0.75,
      }),
    ).toMatchObject({ value: 0.5, passed: false });
  });

  it('gates the mean from above', () => {
    expect(absoluteGate(latency, { metric: 'ms', comparator: '<=', threshold: 250 })).toMatchObject({
      value: 247.5,
      passed: true,
    });
  });
});
