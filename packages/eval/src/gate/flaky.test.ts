import { describe, expect, it } from 'vitest';
import { absoluteGate } from './absolute-gate.js';
import { detectFlakyCases } from './flaky.js';

describe('detectFlakyCases', () => {
  const outcomes = [
    { caseId: 'b', passed: true },
    { caseId: 'a', passed: true },
    { caseId: 'c', passed: false },
    { caseId: 'b', passed: false },
    { caseId: 'a', passed: true },
    { caseId: 'c', passed: false },
    { caseId: 'b', passed: true },
    { caseId: 'd', passed: false },
  ];

  it('flags cases whose outcome differs between repeats', () => {
    const report = detectFlakyCases(outcomes);
    expect(report.flaky).toEqual([{ caseId: 'b', runs: 3, passes: 2 }]);
    expect(report.stable).toEqual([
      { caseId: 'a', runs: 2, passes: 2 },
      { caseId: 'c', runs: 2, passes: 0 },
      { caseId: 'd', runs: 1, passes: 0 },
    ]);
  });

  it('lets a gate quarantine the flaky cases', () => {
    const quarantined = detectFlakyCases(outcomes).flaky.map((c) => c.caseId);
    const results = [
      { caseId: 'a', scores: { passed: 1 } },
      { caseId: 'b', scores: { passed: 0 } },
    ];
    const options = { metric: 'passed', comparator: '>=' as const, threshold: 1 };
    expect(absoluteGate(results, options).passed).toBe(false);
    expect(absoluteGate(results, { ...options, exclude: quarantined }).passed).toBe(true);
  });
});
