import { describe, expect, it } from 'vitest';
import { answerRelevancy, relevancyScore } from './answer-relevancy.js';
import type { JudgeCall, JudgeMessage } from './ask-judge.js';
import { averagePrecision, contextPrecision } from './context-precision.js';
import { contextRecall } from './context-recall.js';
import { faithfulness } from './faithfulness.js';

/** A judge that answers each call with the next scripted reply, and keeps the prompts it saw. */
function scriptedJudge(...replies: string[]): JudgeCall & { prompts: string[] } {
  const prompts: string[] = [];
  const judge = async (messages: JudgeMessage[]) => {
    prompts.push(messages.map((message) => message.content).join('\n'));
    const reply = replies.shift();
    if (reply === undefined) throw new Error('unexpected judge call');
    return reply;
  };
  return Object.assign(judge, { prompts });
}

const CONTEXTS = ['Paris is the capital of France.', 'France is in Europe.'];

describe('faithfulness', () => {
  it('is supported statements over statements: 3 statements, 2 supported -> 2/3', async () => {
    const judge = scriptedJudge(
      JSON.stringify({
        statements: ['Paris is the capital of France.', 'Paris is in Europe.', 'Paris has 9M people.'],
      }),
      JSON.stringify({
        verdicts: [
          { statement: 'Paris is the capital of France.', reason: 'stated', verdict: 1 },
          { statement: 'Paris is in Europe.', reason: 'inferred', verdict: 1 },
          { statement: 'Paris has 9M people.', reason: 'not in context', verdict: 0 },
        ],
      }),
    );
    const score = await faithfulness(judge, {
      question: 'What is the capital of France?',
      answer: 'Paris, in Europe, with 9M people.',
      contexts: CONTEXTS,
    });
    expect(score).toBeCloseTo(2 / 3, 12);
    expect(judge.prompts[0]).toContain('Paris, in Europe, with 9M people.');
    expect(judge.prompts[1]).toContain('1. Paris is the capital of France.');
    expect(judge.prompts[1]).toContain('2. France is in Europe.');
    expect(judge.prompts[1]).toContain('3. Paris has 9M people.');
  });

  it('is not scored when the answer has no statements (one judge call only)', async () => {
    const judge = scriptedJudge('{"statements": []}');
    expect(
      await faithfulness(judge, { question: 'q', answer: 'Hello!', contexts: CONTEXTS }),
    ).toBeUndefined();
    expect(judge.prompts).toHaveLength(1);
  });

  it('asks again when the verdicts do not match the statements one to one', async () => {
    const judge = scriptedJudge(
      '{"statements": ["a", "b"]}',
      '{"verdicts": [{"verdict": 1}]}',
      '{"verdicts": [{"verdict": 1}, {"verdict": "no"}]}',
    );
    expect(await faithfulness(judge, { question: 'q', answer: 'a b', contexts: CONTEXTS })).toBe(0.5);
    expect(judge.prompts[2]).toContain('expected 2 verdicts (one per statement), got 1');
  });
});

describe('answer relevancy', () => {
  it('is the mean cosine between the question and the generated questions', async () => {
    const judge = scriptedJudge('{"questions": ["g1", "g2"], "noncommittal": 0}');
    const vectors: Record<string, number[]> = { q: [1, 0], g1: [1, 0], g2: [0, 1] };
    const embedded: string[][] = [];
    const embed = async (texts: string[]) => {
      embedded.push(texts);
      return texts.map((text) => vectors[text] as number[]);
    };
    // cos(q, g1) = 1, cos(q, g2) = 0 -> 0.5
    expect(await answerRelevancy(judge, embed, { question: 'q', answer: 'an answer', questions: 2 })).toBe(
      0.5,
    );
    expect(embedded).toEqual([['q', 'g1', 'g2']]);
    expect(judge.prompts[0]).toContain('Generate 2 different questions');
  });

  it('is 0 when the judge finds the answer noncommittal, without embedding anything', async () => {
    const judge = scriptedJudge('{"questions": ["what?"], "noncommittal": 1}');
    const embed = async () => {
      throw new Error('must not embed');
    };
    expect(await answerRelevancy(judge, embed, { question: 'q', answer: "I don't know" })).toBe(0);
  });

  it('averages the cosines, negative ones included', () => {
    // [3,4] vs [3,4] = 1, vs [4,-3] = 0, vs [-3,-4] = -1 -> 0
    expect(
      relevancyScore(
        [3, 4],
        [
          [3, 4],
          [4, -3],
          [-3, -4],
        ],
        false,
      ),
    ).toBeCloseTo(0, 12);
  });
});

describe('context precision', () => {
  it('is average precision over the ranks judged relevant: [1,0,1] -> (1/1 + 2/3) / 2', async () => {
    const judge = scriptedJudge('{"verdict": 1}', '{"reason": "unrelated", "verdict": 0}', '{"verdict": 1}');
    const score = await contextPrecision(judge, {
      question: 'q',
      reference: 'Paris.',
      contexts: ['c1', 'c2', 'c3'],
    });
    expect(score).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(judge.prompts.map((prompt) => prompt.match(/Context: (c\d)/)?.[1])).toEqual(['c1', 'c2', 'c3']);
    expect(judge.prompts[0]).toContain('Reference answer: Paris.');
  });

  it('average precision: [0,1,1] -> (1/2 + 2/3) / 2; none relevant -> 0', () => {
    expect(averagePrecision([0, 1, 1])).toBeCloseTo((1 / 2 + 2 / 3) / 2, 12);
    expect(averagePrecision([0, 0])).toBe(0);
    expect(averagePrecision([1])).toBe(1);
  });

  it('is not scored without contexts', async () => {
    expect(
      await contextPrecision(scriptedJudge(), { question: 'q', reference: 'r', contexts: [] }),
    ).toBeUndefined();
  });
});

describe('context recall', () => {
  it('is attributed reference sentences over reference sentences: [1,0,1,1] -> 3/4', async () => {
    const judge = scriptedJudge(
      JSON.stringify({
        classifications: [
          { statement: 's1', reason: '', attributed: 1 },
          { statement: 's2', reason: '', attributed: 0 },
          { statement: 's3', reason: '', attributed: true },
          { statement: 's4', reason: '', attributed: '1' },
        ],
      }),
    );
    const score = await contextRecall(judge, {
      question: 'q',
      reference: 's1. s2. s3. s4.',
      contexts: CONTEXTS,
    });
    expect(score).toBe(3 / 4);
    expect(judge.prompts[0]).toContain('1. Paris is the capital of France.');
  });

  it('is not scored when the judge finds no sentence, or without contexts', async () => {
    expect(
      await contextRecall(scriptedJudge('{"classifications": []}'), {
        question: 'q',
        reference: '',
        contexts: CONTEXTS,
      }),
    ).toBeUndefined();
    expect(
      await contextRecall(scriptedJudge(), { question: 'q', reference: 'r', contexts: [] }),
    ).toBeUndefined();
  });
});
