import { Ajv } from 'ajv';
import { describe, expect, it, vi } from 'vitest';
import type { DatasetCase } from '../suite/dataset.js';
import { renderInput } from '../suite/render-input.js';
import { type MetricDefinition, SuiteError } from '../suite/suite-definition.js';
import type { RetrievedContext } from '../targets/target.js';
import { passThreshold, scoreOutput } from './score-output.js';

const item: DatasetCase = { id: 'q', input: 'x', expected: 'the Eiffel Tower' };
const metric = (
  definition: Partial<MetricDefinition> & Pick<MetricDefinition, 'kind'>,
): MetricDefinition => ({
  name: 'm',
  ...definition,
});

/** Scores a text answer (what generative targets return). */
const scoreText = (definition: MetricDefinition, output: string, item: DatasetCase) =>
  scoreOutput(definition, { output }, item);

describe('scoreOutput', () => {
  it('scores checks 1 or 0 against the case expected value or the options', () => {
    expect(
      scoreText(metric({ kind: 'equals', options: { trim: true } }), ' the Eiffel Tower\n', item),
    ).toEqual({ score: 1, passed: true });
    expect(
      scoreText(
        metric({
          kind: 'contains',
          options: { needles: ['eiffel', 'paris'], mode: 'any', caseInsensitive: true },
        }),
        'The Eiffel',
        item,
      ),
    ).toEqual({ score: 1, passed: true });
    expect(scoreText(metric({ kind: 'contains' }), 'Eiffel Tower', item)).toEqual({
      score: 0,
      passed: false,
    });
    expect(scoreText(metric({ kind: 'regex', options: { pattern: '^\\d+$' } }), '42', item)?.score).toBe(1);
    expect(scoreText(metric({ kind: 'json-valid' }), '{"a":', item)?.score).toBe(0);
    expect(
      scoreText(metric({ kind: 'json-field', options: { path: 'a.0', value: 3 } }), '{"a":[3]}', item)?.score,
    ).toBe(1);
  });

  it('scores overlap metrics by F1 and passes them at the threshold (default 0.5)', () => {
    // tokens: "eiffel tower" vs "eiffel tower" after dropping "the": F1 1; "tower" alone: P 1, R 0.5, F1 2/3.
    expect(scoreText(metric({ kind: 'token-f1' }), 'Tower', item)).toEqual({ score: 2 / 3, passed: true });
    expect(scoreText(metric({ kind: 'token-f1', threshold: 0.8 }), 'Tower', item)?.passed).toBe(false);
    expect(scoreText(metric({ kind: 'rouge-l' }), 'the tower', item)?.score).toBeCloseTo(0.8, 10);
    expect(passThreshold(metric({ kind: 'equals' }))).toBe(1);
  });

  it('does not score a case that has nothing to compare with', () => {
    const bare: DatasetCase = { id: 'q', input: 'x' };
    expect(scoreText(metric({ kind: 'equals' }), 'a', bare)).toBeUndefined();
    expect(scoreText(metric({ kind: 'token-f1' }), 'a', bare)).toBeUndefined();
    expect(scoreText(metric({ kind: 'json-valid' }), '1', bare)?.score).toBe(1);
  });

  it('lower-is-better metrics pass at or below the threshold', () => {
    expect(
      scoreText(metric({ kind: 'token-f1', threshold: 0.5, higherIsBetter: false }), 'Tower', item)?.passed,
    ).toBe(false);
  });
});

describe('scoreOutput json-schema', () => {
  const schema = {
    type: 'object',
    required: ['a'],
    properties: { a: { type: 'integer' } },
  };
  const jsonSchema = metric({ kind: 'json-schema', options: { schema } });

  it('scores 1 when the output is JSON that satisfies the schema, else 0 (invalid JSON included)', () => {
    expect(scoreText(jsonSchema, '{"a": 1}', item)).toEqual({ score: 1, passed: true });
    expect(scoreText(jsonSchema, '{"a": "1"}', item)).toEqual({ score: 0, passed: false });
    expect(scoreText(jsonSchema, '{"b": 1}', item)?.score).toBe(0);
    expect(scoreText(jsonSchema, '{"a": 1', item)?.score).toBe(0);
    expect(scoreOutput(jsonSchema, { output: null }, item)?.score).toBe(0);
  });

  it('compiles each schema once, and schemas sharing an $id do not clash', () => {
    const compile = vi.spyOn(Ajv.prototype, 'compile');
    const own = metric({ kind: 'json-schema', options: { schema: { $id: 'x', type: 'number' } } });
    const other = metric({ kind: 'json-schema', options: { schema: { $id: 'x', type: 'string' } } });
    expect(scoreText(own, '3', item)?.score).toBe(1);
    expect(scoreText(own, '4', item)?.score).toBe(1);
    expect(scoreText(other, '"s"', item)?.score).toBe(1);
    expect(scoreText(other, '3', item)?.score).toBe(0);
    expect(compile).toHaveBeenCalledTimes(2);
    compile.mockRestore();
  });

  it('an invalid schema is a suite error naming the metric', () => {
    const bad = metric({ name: 'shape', kind: 'json-schema', options: { schema: { type: 'nope' } } });
    expect(() => scoreText(bad, '{}', item)).toThrow(SuiteError);
    expect(() => scoreText(bad, '{}', item)).toThrow(
      /metric "shape": options.schema: not a valid JSON Schema/,
    );
  });
});

describe('scoreOutput retrieval metrics', () => {
  const ctx = (documentId: string, extra: Partial<RetrievedContext> = {}): RetrievedContext => ({
    documentId,
    text: documentId,
    ...extra,
  });
  const answer = (contexts: RetrievedContext[]) => ({ output: null, contexts });
  const score = (
    definition: MetricDefinition,
    contexts: RetrievedContext[],
    expectations: Partial<DatasetCase>,
  ) => scoreOutput(definition, answer(contexts), { id: 'r', input: 'q', ...expectations })?.score;

  describe('by documents (default): distinct document ids in rank order vs expectedDocuments', () => {
    // a and b are wrong; c is relevant. Without de-duplication c would sit at rank 4, not 3.
    const contexts = ['a', 'b', 'a', 'c', 'd'].map((id) => ctx(id));
    const expected = { expectedDocuments: ['c', 'x'] };

    it('hit@k is 1 only when a relevant document is within the top k', () => {
      expect(score(metric({ kind: 'hit@k', options: { k: 2 } }), contexts, expected)).toBe(0);
      expect(score(metric({ kind: 'hit@k', options: { k: 3 } }), contexts, expected)).toBe(1);
    });

    it('recall@k is the share of expected documents in the top k', () => {
      expect(score(metric({ kind: 'recall@k', options: { k: 3 } }), contexts, expected)).toBe(0.5);
      expect(score(metric({ kind: 'recall@k', options: { k: 2 } }), contexts, expected)).toBe(0);
    });

    it('mrr is 1 / rank of the first relevant document, with an optional cutoff', () => {
      expect(score(metric({ kind: 'mrr' }), contexts, expected)).toBeCloseTo(1 / 3, 12);
      expect(score(metric({ kind: 'mrr', options: { k: 2 } }), contexts, expected)).toBe(0);
    });

    it('ndcg@k discounts by log2(rank + 1) against the ideal ranking', () => {
      // DCG@3 = 1/log2(4) = 0.5; IDCG@3 over 2 relevant = 1 + 1/log2(3) = 1.6309297535714575.
      expect(score(metric({ kind: 'ndcg@k', options: { k: 3 } }), contexts, expected)).toBeCloseTo(
        0.5 / 1.6309297535714575,
        12,
      );
    });
  });

  describe('by spans: contexts overlapping expectedSpans', () => {
    const spans = {
      expectedSpans: [
        { documentId: 'd1', start: 10, end: 20 },
        { documentId: 'd2', start: 0, end: 5 },
      ],
    };
    const contexts = [
      ctx('d1', { chunkId: 'c1', start: 0, end: 10 }), // touches d1's span, shares no character
      ctx('d2', { chunkId: 'c2', start: 0, end: 3 }), // 3 characters of d2's span
      ctx('d1', { chunkId: 'c3', start: 15, end: 30 }), // 5 characters of d1's span
      ctx('d1'), // no offsets: overlaps nothing
    ];
    const by = (kind: MetricDefinition['kind'], options: Record<string, unknown> = {}) =>
      metric({ kind, options: { by: 'spans', ...options } });

    it('hit@k, mrr and ndcg@k rank the contexts that overlap a span', () => {
      expect(score(by('hit@k', { k: 1 }), contexts, spans)).toBe(0);
      expect(score(by('hit@k', { k: 2 }), contexts, spans)).toBe(1);
      expect(score(by('mrr'), contexts, spans)).toBe(0.5);
      // relevant c2 (rank 2), c3 (rank 3): DCG = 1/log2(3) + 1/log2(4); IDCG = 1 + 1/log2(3).
      expect(score(by('ndcg@k', { k: 3 }), contexts, spans)).toBeCloseTo(
        (0.6309297535714575 + 0.5) / 1.6309297535714575,
        12,
      );
    });

    it('recall@k is the share of expected spans covered by the top k', () => {
      expect(score(by('recall@k', { k: 2 }), contexts, spans)).toBe(0.5);
      expect(score(by('recall@k', { k: 3 }), contexts, spans)).toBe(1);
    });

    it('minOverlapChars raises the overlap a context needs', () => {
      // c2 shares only 3 characters: c3 (rank 3) is the first relevant one.
      expect(score(by('mrr', { minOverlapChars: 4 }), contexts, spans)).toBeCloseTo(1 / 3, 12);
      expect(score(by('recall@k', { k: 4, minOverlapChars: 4 }), contexts, spans)).toBe(0.5);
    });
  });

  it('leaves out cases without expectations and scores 0 when nothing was retrieved', () => {
    const kinds = [
      metric({ kind: 'hit@k', options: { k: 3 } }),
      metric({ kind: 'recall@k', options: { k: 3 } }),
      metric({ kind: 'mrr' }),
      metric({ kind: 'ndcg@k', options: { k: 3 } }),
    ];
    for (const definition of kinds) {
      expect(score(definition, [ctx('a')], {})).toBeUndefined();
      expect(score(definition, [ctx('a')], { expectedDocuments: [] })).toBeUndefined();
      expect(
        score({ ...definition, options: { ...definition.options, by: 'spans' } }, [ctx('a')], {
          expectedDocuments: ['a'],
        }),
      ).toBeUndefined();
      expect(score(definition, [], { expectedDocuments: ['a'] })).toBe(0);
      expect(
        scoreOutput(definition, { output: 'text only' }, { id: 'r', input: 'q', expectedDocuments: ['a'] }),
      ).toEqual({
        score: 0,
        passed: false,
      });
      const spans = { expectedSpans: [{ documentId: 'a', start: 0, end: 4 }] };
      expect(score({ ...definition, options: { ...definition.options, by: 'spans' } }, [], spans)).toBe(0);
    }
  });

  it('hit@k passes at 1, the graded retrieval scores at 0.5', () => {
    const contexts = [ctx('x'), ctx('a')];
    const expected = { id: 'r', input: 'q', expectedDocuments: ['a'] };
    expect(scoreOutput(metric({ kind: 'hit@k', options: { k: 2 } }), answer(contexts), expected)).toEqual({
      score: 1,
      passed: true,
    });
    expect(scoreOutput(metric({ kind: 'mrr' }), answer(contexts), expected)).toEqual({
      score: 0.5,
      passed: true,
    });
    expect(scoreOutput(metric({ kind: 'mrr', threshold: 0.6 }), answer(contexts), expected)?.passed).toBe(
      false,
    );
  });

  it('a retrieval metric without k (other than mrr) is a suite error', () => {
    expect(() =>
      score(metric({ name: 'hits', kind: 'hit@k' }), [ctx('a')], { expectedDocuments: ['a'] }),
    ).toThrow(/metric "hits": options.k: required positive integer for hit@k/);
  });
});

describe('renderInput', () => {
  it('fills {{name}} placeholders from the variables and leaves unknown ones', () => {
    expect(renderInput({ id: 'q', input: 'Hi {{ name }}, {{missing}}', variables: { name: 'Ada' } })).toBe(
      'Hi Ada, {{missing}}',
    );
  });
});
