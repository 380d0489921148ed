import type { EvalRun, EvalTargetKind } from '@ragline/eval';

export interface EvalRunFixtureOptions {
  kind?: EvalTargetKind;
  /** Default: the content hash (a release run's id is its content hash). */
  id?: string;
  contentHash: string;
  /** Per-case exact_match scores (1 or 0); the absolute gate needs a mean >= 0.8. Default: all pass. */
  scores?: number[];
  /** A baseline comparison of token_f1 that regressed: [meanDiff, low, high]. */
  regressed?: [number, number, number];
  /** Cases whose only repeat failed with an infrastructure error. */
  errors?: number;
  suite?: string;
}

/** A well-formed run document, as `ragline eval run --json` writes it, whose verdict follows the scores. */
export function evalRunFixture(options: EvalRunFixtureOptions): EvalRun {
  const scores = options.scores ?? [1, 1, 1, 1, 1];
  const errors = options.errors ?? 0;
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const absolutePassed = mean >= 0.8;
  const baseline = options.regressed
    ? [
        {
          metric: 'token_f1',
          n: scores.length,
          meanDiff: options.regressed[0],
          ci: [options.regressed[1], options.regressed[2]] as [number, number],
          margin: 0.02,
          verdict: 'regressed' as const,
          better: 'higher' as const,
          level: 0.95,
        },
      ]
    : [];
  const cases = [
    ...scores.map((score, i) => ({
      id: `case-${i + 1}`,
      input: `question ${i + 1}`,
      expected: `answer ${i + 1}`,
      repeats: [
        {
          output: score === 1 ? `answer ${i + 1}` : 'something else',
          scores: { exact_match: score, token_f1: score },
          passed: { exact_match: score === 1, token_f1: score === 1 },
          latencyMs: 12.5,
        },
      ],
    })),
    ...Array.from({ length: errors }, (_, i) => ({
      id: `broken-${i + 1}`,
      input: 'unreachable',
      repeats: [{ output: null, scores: {}, passed: {}, latencyMs: 3, error: 'target answered 502' }],
    })),
  ];
  return {
    suite: { name: options.suite ?? 'smoke', hash: 'suitehash0001' },
    target: {
      kind: options.kind ?? 'release',
      id: options.id ?? options.contentHash,
      description: `${options.kind ?? 'release'} under test`,
      contentHash: options.contentHash,
    },
    startedAt: '2026-05-01T10:00:00.000Z',
    finishedAt: '2026-05-01T10:01:00.000Z',
    libraryVersion: '0.1.0',
    metrics: [
      { name: 'exact_match', kind: 'equals', threshold: 1, higherIsBetter: true },
      { name: 'token_f1', kind: 'token-f1', higherIsBetter: true },
    ],
    cases,
    gates: {
      absolute: [
        {
          metric: 'exact_match',
          passed: absolutePassed,
          value: mean,
          threshold: 0.8,
          comparator: '>=',
          statistic: 'mean',
          n: scores.length,
        },
      ],
      baseline,
    },
    summary: {
      cases: cases.length,
      errors,
      incomplete: errors > 0,
      passed: errors === 0 && absolutePassed && baseline.length === 0,
    },
  };
}
