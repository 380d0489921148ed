import { describe, expect, it } from 'vitest';
import { absoluteGate } from '../gate/absolute-gate.js';
import { comparePaired } from '../gate/paired-comparison.js';
import type { EvalRun } from './eval-run.js';
import { parseRun, RunParseError } from './parse-run.js';

function validRun(): EvalRun {
  return {
    suite: { name: 's', hash: 'h' },
    target: { kind: 'prompt-model', id: 'support@3 gpt-x', contentHash: 'c' },
    startedAt: '2026-11-02T10:00:00.000Z',
    finishedAt: '2026-11-02T10:00:01.000Z',
    libraryVersion: '0.1.0',
    metrics: [{ name: 'f1', kind: 'token-f1', threshold: 0.5, higherIsBetter: true }],
    cases: [
      {
        id: 'a',
        input: { q: 'x' },
        expected: 'y',
        tags: ['t'],
        repeats: [{ output: 'y', scores: { f1: 1 }, passed: { f1: true }, latencyMs: 5 }],
      },
      {
        id: 'b',
        input: 'z',
        repeats: [{ output: null, scores: {}, passed: {}, latencyMs: 9, error: 'down' }],
      },
    ],
    gates: { absolute: [], baseline: [] },
    summary: { cases: 2, errors: 1, incomplete: true, passed: false },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: the tests break the document on purpose, field by field
function problem(mutate: (run: any) => void): string {
  const run = JSON.parse(JSON.stringify(validRun()));
  mutate(run);
  try {
    parseRun(run);
  } catch (error) {
    expect(error).toBeInstanceOf(RunParseError);
    return (error as Error).message;
  }
  throw new Error('parseRun accepted an invalid run');
}

describe('parseRun', () => {
  it('accepts a valid run, from text or parsed JSON, and drops unknown fields', () => {
    expect(parseRun(JSON.stringify(validRun()))).toEqual(validRun());
    expect(parseRun({ ...validRun(), extra: 1, target: { ...validRun().target, secret: 'x' } })).toEqual(
      validRun(),
    );
  });

  it('names the path of the first problem', () => {
    expect(() => parseRun('{not json')).toThrow(/^run: is not valid JSON/);
    expect(problem((run) => delete run.target.contentHash)).toBe(
      'run.target.contentHash: expected a string, got nothing',
    );
    expect(problem((run) => (run.target.kind = 'model'))).toBe(
      'run.target.kind: expected one of release, prompt-model, collection, endpoint, got string "model"',
    );
    expect(problem((run) => (run.cases[1].repeats[0].latencyMs = -1))).toBe(
      'run.cases[1].repeats[0].latencyMs: expected a number >= 0, got -1',
    );
    expect(problem((run) => (run.cases[0].repeats[0].scores.f1 = 'high'))).toBe(
      'run.cases[0].repeats[0].scores.f1: expected a finite number, got string "high"',
    );
    expect(problem((run) => (run.cases[0].repeats[0].passed.rouge = true))).toBe(
      'run.cases[0].repeats[0].passed.rouge: "rouge" is not a metric of this run',
    );
    expect(problem((run) => (run.cases[1].id = 'a'))).toBe('run.cases[1].id: duplicate case id "a"');
    expect(problem((run) => delete run.cases[0].repeats[0].output)).toBe(
      'run.cases[0].repeats[0].output: is missing (null when the call failed)',
    );
    expect(problem((run) => (run.cases[0].tags = ['ok', 3]))).toBe(
      'run.cases[0].tags[1]: expected a string, got number 3',
    );
    expect(problem((run) => (run.startedAt = 'yesterday'))).toBe(
      'run.startedAt: expected an ISO 8601 timestamp, got string "yesterday"',
    );
    expect(problem((run) => (run.summary.errors = 1.5))).toBe(
      'run.summary.errors: expected a whole number, got 1.5',
    );
    expect(
      problem((run) =>
        run.gates.baseline.push({
          metric: 'f1',
          n: 2,
          meanDiff: 0,
          ci: [0.2, -0.2],
          margin: 0,
          verdict: 'no-difference',
        }),
      ),
    ).toBe('run.gates.baseline[0].ci: low 0.2 is above high -0.2');
    expect(problem((run) => (run.gates.absolute = {}))).toBe(
      'run.gates.absolute: expected an array, got object',
    );
  });

  it("keeps the gate's own result objects through a save and load", () => {
    const baseline = [
      { caseId: 'a', scores: { f1: 0.9 } },
      { caseId: 'b', scores: { f1: 0.8 } },
      { caseId: 'c', scores: { f1: 0.7 } },
    ];
    const candidate = [
      { caseId: 'a', scores: { f1: 0.5 } },
      { caseId: 'b', scores: { f1: 0.4 } },
      { caseId: 'c', scores: { f1: 0.3 } },
    ];
    const run = validRun();
    run.gates.absolute.push(absoluteGate(candidate, { metric: 'f1', comparator: '>=', threshold: 0.5 }));
    run.gates.baseline.push(comparePaired(baseline, candidate, { metric: 'f1', margin: 0.05 }));
    const loaded = parseRun(JSON.parse(JSON.stringify(run)));
    expect(loaded.gates).toEqual(run.gates);
    expect(loaded.gates.baseline[0]?.verdict).toBe('regressed');
  });

  it('keeps the operational figures, operational gates and cached repeats, which older runs lack', () => {
    const run = validRun();
    run.cases[0]?.repeats.push({
      output: 'y',
      scores: { f1: 1 },
      passed: { f1: true },
      latencyMs: 4,
      cached: true,
    });
    run.summary.operational = {
      calls: 3,
      cached: 1,
      errorRate: 1 / 3,
      latencyP50Ms: 4,
      latencyP95Ms: 5,
      costPerCaseMicros: null,
    };
    run.gates.operational = [
      { figure: 'latencyP95Ms', value: 5, max: 100, passed: true },
      { figure: 'errorRate', value: 1 / 3, max: 0.1, passed: false },
    ];
    expect(parseRun(JSON.stringify(run))).toEqual(run);
    expect(validRun().summary.operational).toBeUndefined();
    expect(parseRun(validRun()).summary.operational).toBeUndefined();

    const withFigures = (mutate: (figures: Record<string, unknown>) => void) =>
      problem((broken) => {
        broken.summary.operational = { ...run.summary.operational };
        mutate(broken.summary.operational);
      });
    expect(withFigures((figures) => delete figures.latencyP50Ms)).toBe(
      'run.summary.operational.latencyP50Ms: expected a finite number, got nothing',
    );
    expect(withFigures((figures) => (figures.errorRate = 1.5))).toBe(
      'run.summary.operational.errorRate: expected a share in 0..1, got 1.5',
    );
    expect(withFigures((figures) => (figures.costPerCaseMicros = 10.5))).toBe(
      'run.summary.operational.costPerCaseMicros: expected a whole number, got 10.5',
    );
    expect(
      problem((broken) => (broken.gates.operational = [{ figure: 'p99', value: 1, max: 2, passed: true }])),
    ).toBe(
      'run.gates.operational[0].figure: expected one of latencyP50Ms, latencyP95Ms, costPerCaseMicros, errorRate, got string "p99"',
    );
    expect(problem((broken) => (broken.cases[0].repeats[0].cached = 'yes'))).toBe(
      'run.cases[0].repeats[0].cached: expected true or false, got string "yes"',
    );
  });
});
