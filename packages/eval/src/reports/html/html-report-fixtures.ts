import type { EvalRepeat, EvalRun } from '../../run/eval-run.js';

/** Hand-built runs for the HTML report's tests (unit and headless Chromium): every number is chosen by hand. */

export const HOSTILE_CASE_ID = `c2 <"&'>`;
export const HOSTILE_OUTPUT = '<script>window.__pwned = 1</script><img src="https://example.com/x.png">';
export const LONG_INPUT = `Summarise the following policy. ${'The tenant may not read another tenant’s data. '.repeat(4)}END-OF-INPUT`;

function repeat(
  output: string,
  exact: number,
  f1: number,
  latencyMs: number,
  costMicros?: number,
): EvalRepeat {
  return {
    output,
    scores: { exact, f1 },
    passed: { exact: exact === 1, f1: f1 >= 0.5 },
    latencyMs,
    ...(costMicros === undefined ? {} : { costMicros }),
  };
}

/** Candidate: f1 per case 1, 0.25, 0.55 (two repeats), 0, 0.95; exact 1, 0, 0, 0, 1. */
export function candidateRun(): EvalRun {
  return {
    suite: { name: 'support-answers', hash: 'suite-h1' },
    target: {
      kind: 'release',
      id: 'rel_0123456789abcdef01234567',
      description: 'release production (rel_0123456789abcdef01234567)',
      contentHash: 'rel_0123456789abcdef01234567',
    },
    startedAt: '2026-11-02T10:00:00.000Z',
    finishedAt: '2026-11-02T10:00:06.500Z',
    libraryVersion: '0.1.0',
    metrics: [
      { name: 'exact', kind: 'equals', higherIsBetter: true },
      { name: 'f1', kind: 'token-f1', threshold: 0.5, higherIsBetter: true },
    ],
    cases: [
      {
        id: 'c1',
        input: 'capital of France?',
        expected: 'Paris',
        repeats: [repeat('Paris', 1, 1, 100, 1000)],
      },
      {
        id: HOSTILE_CASE_ID,
        input: { question: 'q2', variables: { lang: 'en' } },
        expected: 'safe',
        repeats: [repeat(HOSTILE_OUTPUT, 0, 0.25, 200, 900)],
      },
      {
        id: 'c3',
        input: LONG_INPUT,
        expected: 'No cross-tenant reads.',
        tags: ['policy'],
        repeats: [
          repeat('Tenants are isolated.', 0, 0.5, 300, 1200),
          repeat('Tenants are isolated!', 0, 0.6, 500, 1300),
        ],
      },
      { id: 'c4', input: 'q4', expected: 'forty-two', repeats: [repeat('I do not know', 0, 0, 150, 800)] },
      { id: 'c5', input: 'q5', expected: 'yes', repeats: [repeat('yes', 1, 0.95, 120, 1)] },
    ],
    gates: {
      absolute: [
        {
          metric: 'f1',
          statistic: 'passRate',
          passed: false,
          value: 0.667,
          comparator: '>=',
          threshold: 0.8,
          n: 5,
        },
        {
          metric: 'exact',
          statistic: 'mean',
          passed: true,
          value: 0.4,
          comparator: '>=',
          threshold: 0.3,
          n: 5,
        },
      ],
      operational: [
        { figure: 'latencyP95Ms', value: 500, max: 1000, passed: true },
        { figure: 'costPerCaseMicros', value: 790, max: 1500, passed: true },
      ],
      baseline: [
        {
          metric: 'exact',
          n: 5,
          meanDiff: -0.2,
          ci: [-0.6, 0],
          margin: 0.05,
          verdict: 'no-difference',
          level: 0.95,
        },
        {
          metric: 'f1',
          n: 5,
          meanDiff: -0.11,
          ci: [-0.3, -0.06],
          margin: 0.05,
          verdict: 'regressed',
          better: 'higher',
        },
      ],
      baselineRef: {
        suiteHash: 'suite-h1',
        contentHash: 'rel_fedcba9876543210fedcba98',
        startedAt: '2026-11-01T09:00:00.000Z',
      },
      quarantined: ['c5'],
    },
    summary: { cases: 5, errors: 0, incomplete: false, passed: false },
  };
}

/** Baseline: f1 per case 1, 0.75, 0.6, 0, 0.9; exact 1, 0, 1, 0, 1. */
export function baselineRun(): EvalRun {
  const run = candidateRun();
  run.target = {
    kind: 'release',
    id: 'rel_fedcba9876543210fedcba98',
    description: 'release production (rel_fedcba9876543210fedcba98)',
    contentHash: 'rel_fedcba9876543210fedcba98',
  };
  const [c1, c2, c3, c4, c5] = run.cases;
  if (!c1 || !c2 || !c3 || !c4 || !c5) throw new Error('fixture has five cases');
  c1.repeats = [repeat('Paris', 1, 1, 90, 1000)];
  c2.repeats = [repeat('It is safe.', 0, 0.75, 180, 900)];
  c3.repeats = [repeat('No cross-tenant reads.', 1, 0.6, 250, 1100)];
  c4.repeats = [repeat('unknown', 0, 0, 140, 800)];
  c5.repeats = [repeat('yes', 1, 0.9, 110, 1)];
  run.gates = { absolute: [], baseline: [] };
  run.summary = { cases: 5, errors: 0, incomplete: false, passed: true };
  return run;
}
