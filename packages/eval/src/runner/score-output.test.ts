import { describe, expect, it } from 'vitest';
import type { DatasetCase } from '../suite/dataset.js';
import type { MetricDefinition } from '../suite/suite-definition.js';
import { renderInput } from './run-suite.js';
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

describe('renderInput', () => {
  it('fills {{name}} placeholders from the variables and leaves unknown ones', () => {
    expect(renderInput({ id: 'q', input: 'Hi {{ name }}, {{missing}}', variables: { name: 'Ada' } })).toBe(
      'Hi Ada, {{missing}}',
    );
  });
});
