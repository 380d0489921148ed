import { describe, expect, it } from 'vitest';
import type { EvalRun } from './eval-run.js';
import { nearestRankPercentile } from './percentile.js';
import { operationalSummary, summarizeRun } from './summarize-run.js';

function run(cases: EvalRun['cases']): EvalRun {
  return {
    suite: { name: 's', hash: 'h' },
    target: { kind: 'endpoint', description: 'http://localhost:9/v1', contentHash: 'c' },
    startedAt: '2026-11-02T10:00:00.000Z',
    finishedAt: '2026-11-02T10:00:01.000Z',
    libraryVersion: '0.1.0',
    metrics: [
      { name: 'exact', kind: 'equals', higherIsBetter: true },
      { name: 'f1', kind: 'token-f1', threshold: 0.5, higherIsBetter: true },
    ],
    cases,
    gates: { absolute: [], baseline: [] },
    summary: { cases: cases.length, errors: 0, incomplete: false, passed: true },
  };
}

describe('summarizeRun', () => {
  it('computes per-metric means and pass rates, latency percentiles, cost per case and error rate', () => {
    const stats = summarizeRun(
      run([
        {
          id: 'a',
          input: 'q1',
          repeats: [
            {
              output: 'x',
              scores: { exact: 1, f1: 1 },
              passed: { exact: true, f1: true },
              latencyMs: 100,
              costMicros: 1000,
            },
            {
              output: 'y',
              scores: { exact: 0, f1: 0.8 },
              passed: { exact: false, f1: true },
              latencyMs: 300,
              costMicros: 1200,
            },
          ],
        },
        {
          id: 'b',
          input: 'q2',
          repeats: [
            {
              output: 'z',
              scores: { exact: 0, f1: 0.25 },
              passed: { exact: false, f1: false },
              latencyMs: 200,
              costMicros: 900,
            },
            { output: null, scores: {}, passed: {}, latencyMs: 5000, error: 'target unreachable' },
          ],
        },
        {
          id: 'c',
          input: 'q3',
          repeats: [{ output: null, scores: {}, passed: {}, latencyMs: 50, error: 'judge down' }],
        },
      ]),
    );
    expect(stats.cases).toBe(3);
    expect(stats.repeats).toBe(5);
    expect(stats.errors).toBe(2);
    expect(stats.errorRate).toBe(2 / 5);
    // Answered latencies 100, 300, 200: nearest rank p50 = 2nd of 3 = 200, p95 = 3rd of 3 = 300.
    expect(stats.latencyP50Ms).toBe(200);
    expect(stats.latencyP95Ms).toBe(300);
    // Per case, the mean over its repeats that reported a cost: a (1000 + 1200) / 2 = 1100, b 900 (its
    // failed repeat reported none), c none and left out: (1100 + 900) / 2 = 1000 micro-dollars.
    expect(stats.costPerCaseMicros).toBe(1000);
    expect(stats.metrics.map((metric) => metric.name)).toEqual(['exact', 'f1']);
    expect(stats.metrics[0]?.mean).toBeCloseTo(1 / 3, 12);
    expect(stats.metrics[0]?.passRate).toBeCloseTo(1 / 3, 12);
    expect(stats.metrics[0]?.scored).toBe(3);
    expect(stats.metrics[1]?.mean).toBeCloseTo((1 + 0.8 + 0.25) / 3, 12);
    expect(stats.metrics[1]?.passRate).toBeCloseTo(2 / 3, 12);
  });

  it('reports missing data as null rather than zero', () => {
    const stats = summarizeRun(
      run([
        {
          id: 'a',
          input: 'q',
          repeats: [{ output: null, scores: {}, passed: {}, latencyMs: 10, error: 'down' }],
        },
      ]),
    );
    expect(stats.latencyP50Ms).toBeNull();
    expect(stats.costPerCaseMicros).toBeNull();
    expect(stats.errorRate).toBe(1);
    expect(stats.metrics[0]).toEqual({ name: 'exact', mean: null, passRate: null, scored: 0 });
    expect(summarizeRun(run([])).errorRate).toBe(0);
  });
});

describe('operationalSummary', () => {
  const ok = (latencyMs: number, costMicros?: number, cached?: true) => ({
    scores: {},
    passed: {},
    latencyMs,
    ...(costMicros === undefined ? {} : { costMicros }),
    ...(cached === undefined ? {} : { cached }),
  });
  const failed = { scores: {}, passed: {}, latencyMs: 9000, error: 'down' };

  it('counts calls, cached calls and failures; percentiles leave failed calls out', () => {
    const summary = operationalSummary([
      { id: 'a', repeats: [ok(40, 100, true), ok(10, 200)] },
      { id: 'b', repeats: [ok(30), failed] },
      { id: 'c', repeats: [ok(20, 7, true), failed] },
    ]);
    // Latencies 40, 10, 30, 20 (the 9000 ms failures excluded): sorted 10 20 30 40; p50 = rank 2 = 20,
    // p95 = rank ceil(3.8) = 4 = 40.
    expect(summary).toEqual({
      calls: 6,
      cached: 2,
      errorRate: 2 / 6,
      latencyP50Ms: 20,
      latencyP95Ms: 40,
      // a: (100 + 200) / 2 = 150, b: none, c: 7 -> (150 + 7) / 2 = 78.5 -> 79 (half up).
      costPerCaseMicros: 79,
    });
  });

  it('rounds half up exactly, where floating-point sums would not', () => {
    // Per-case means 1, 19/6 and 1/3 micro-dollars: (1 + 19/6 + 1/3) / 3 = 27/18 = 1.5 exactly -> 2. The
    // same mean in floating point is 1.4999999999999998, which would round to 1.
    expect(Math.round((1 + 19 / 6 + 1 / 3) / 3)).toBe(1);
    const summary = operationalSummary([
      { id: 'a', repeats: [ok(1, 1)] },
      { id: 'b', repeats: [4, 3, 3, 3, 3, 3].map((cost) => ok(1, cost)) },
      { id: 'c', repeats: [ok(1, 1), ok(1, 0), ok(1, 0)] },
    ]);
    expect(summary.costPerCaseMicros).toBe(2);
    expect(operationalSummary([{ id: 'a', repeats: [ok(5, 2), ok(5, 3)] }]).costPerCaseMicros).toBe(3);
    expect(operationalSummary([{ id: 'a', repeats: [ok(5, 2), ok(5, 2)] }]).costPerCaseMicros).toBe(2);
  });

  it('has null figures without data and an error rate of 0 without calls', () => {
    expect(operationalSummary([{ id: 'a', repeats: [failed] }])).toEqual({
      calls: 1,
      cached: 0,
      errorRate: 1,
      latencyP50Ms: null,
      latencyP95Ms: null,
      costPerCaseMicros: null,
    });
    expect(operationalSummary([]).errorRate).toBe(0);
  });
});

describe('nearestRankPercentile', () => {
  it('returns an observed value at the nearest rank', () => {
    const values = [50, 10, 40, 20, 30, 60, 70, 80, 90, 100];
    expect(nearestRankPercentile(values, 50)).toBe(50);
    expect(nearestRankPercentile(values, 95)).toBe(100);
    expect(nearestRankPercentile(values, 90)).toBe(90);
    expect(nearestRankPercentile([7], 50)).toBe(7);
    expect(nearestRankPercentile([], 50)).toBeNull();
    expect(() => nearestRankPercentile(values, 0)).toThrow(RangeError);
  });
});
