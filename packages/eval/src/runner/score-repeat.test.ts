import { describe, expect, it } from 'vitest';
import type { JudgeMessage } from '../judge/ask-judge.js';
import type { DatasetCase } from '../suite/dataset.js';
import type { MetricDefinition } from '../suite/suite-definition.js';
import type { TargetAnswer } from '../targets/target.js';
import { scoreRepeat } from './score-repeat.js';

const ITEM: DatasetCase = {
  id: 'c1',
  input: 'Capital of {{country}}?',
  variables: { country: 'France' },
  expected: 'Paris',
};
const ANSWER: TargetAnswer = {
  output: 'Paris is the capital.',
  contexts: [{ documentId: 'd1', text: 'Paris is the capital of France.' }],
};

/** Answers by which judge prompt it gets (the built-in templates' first words). */
function judgeBy(replies: Record<string, string | Error>) {
  const seen: string[] = [];
  const judge = async (messages: JudgeMessage[]) => {
    const prompt = messages[0]?.content ?? '';
    const key = Object.keys(replies).find((start) => prompt.startsWith(start));
    if (key === undefined) throw new Error(`unscripted prompt: ${prompt.slice(0, 40)}`);
    seen.push(key);
    const reply = replies[key];
    if (reply instanceof Error) throw reply;
    return reply as string;
  };
  return { judge, seen };
}

const VECTORS: Record<string, number[]> = {
  'Paris is the capital.': [1, 0],
  Paris: [3, 4],
  'Capital of France?': [0, 1],
  'Which city is the capital?': [0, 2],
  'Where is Paris?': [1, 0],
};

describe('scoreRepeat with judged and embedding metrics', () => {
  const metrics: MetricDefinition[] = [
    { name: 'has-paris', kind: 'contains' },
    { name: 'faithful', kind: 'faithfulness', threshold: 0.9 },
    { name: 'cosine', kind: 'embedding-cosine' },
    { name: 'relevant', kind: 'answer-relevancy' },
  ];

  it('scores every metric, with the texts of the repeat embedded in one call', async () => {
    const { judge } = judgeBy({
      'Given a question and an answer': '{"statements": ["Paris is the capital.", "It is big."]}',
      'Judge the faithfulness': '{"verdicts": [{"verdict": 1}, {"verdict": 0}]}',
      'Generate 2 different questions':
        '{"questions": ["Which city is the capital?", "Where is Paris?"], "noncommittal": 0}',
    });
    const batches: string[][] = [];
    const embed = async (texts: string[]) => {
      batches.push(texts);
      return texts.map((text) => VECTORS[text] as number[]);
    };
    const result = await scoreRepeat(metrics, ANSWER, ITEM, { judge, embed, relevancyQuestions: 2 });
    expect(result.error).toBeUndefined();
    // cosine([1,0],[3,4]) = 3/5; relevancy: cos([0,1],[0,2]) = 1, cos([0,1],[1,0]) = 0 -> 1/2
    expect(result.scores).toEqual({ 'has-paris': 1, faithful: 0.5, cosine: 0.6, relevant: 0.5 });
    expect(result.passed).toEqual({ 'has-paris': true, faithful: false, cosine: true, relevant: true });
    expect(batches).toEqual([
      [
        'Paris is the capital.',
        'Paris',
        'Capital of France?',
        'Which city is the capital?',
        'Where is Paris?',
      ],
    ]);
  });

  it('stops at a judge failure: keeps the scores so far, names the metric, leaves the rest out', async () => {
    const { judge } = judgeBy({
      'Given a question and an answer': '{"statements": ["Paris is the capital."]}',
      'Judge the faithfulness': '{"verdicts": [{"verdict": 1}]}',
      'Given a question, a reference answer and a context': new Error('judge route answered 502'),
    });
    const result = await scoreRepeat(
      [
        { name: 'has-paris', kind: 'contains' },
        { name: 'faithful', kind: 'faithfulness' },
        { name: 'precision', kind: 'context-precision' },
        { name: 'recall', kind: 'context-recall' },
      ],
      ANSWER,
      ITEM,
      { judge },
    );
    expect(result.error).toBe('precision: judge route answered 502');
    expect(result.scores).toEqual({ 'has-paris': 1, faithful: 1 });
  });

  it('an unreadable judge reply is an error, never a score of 0', async () => {
    const { judge, seen } = judgeBy({ 'Given a question, a reference answer': 'I think it is relevant.' });
    const result = await scoreRepeat([{ name: 'precision', kind: 'context-precision' }], ANSWER, ITEM, {
      judge,
    });
    expect(result.scores).toEqual({});
    expect(result.error).toMatch(/^precision: judge reply unreadable after a retry: no JSON found/);
    expect(seen).toHaveLength(2);
  });

  it('an embedder failure is an error on the metrics waiting for it', async () => {
    const result = await scoreRepeat([{ name: 'cosine', kind: 'embedding-cosine' }], ANSWER, ITEM, {
      embed: async () => {
        throw new Error('http://ragline.test/v1/embeddings unreachable');
      },
    });
    expect(result).toEqual({
      scores: {},
      passed: {},
      error: 'cosine: http://ragline.test/v1/embeddings unreachable',
    });
  });

  it('leaves out metrics the case cannot feed (no contexts, no expected answer), calling nothing', async () => {
    const { judge, seen } = judgeBy({});
    const result = await scoreRepeat(
      [
        { name: 'faithful', kind: 'faithfulness' },
        { name: 'precision', kind: 'context-precision' },
        { name: 'cosine', kind: 'embedding-cosine' },
      ],
      { output: 'Paris.' },
      { id: 'c2', input: 'q' },
      { judge, embed: async () => [] },
    );
    expect(result).toEqual({ scores: {}, passed: {} });
    expect(seen).toEqual([]);
  });

  it('a judged metric without a judge configured is an error', async () => {
    const result = await scoreRepeat([{ name: 'recall', kind: 'context-recall' }], ANSWER, ITEM, {});
    expect(result.error).toBe('recall: no judge configured (suite `judge`)');
  });

  it('uses the judge prompt templates it is given', async () => {
    const prompts: string[] = [];
    const result = await scoreRepeat([{ name: 'recall', kind: 'context-recall' }], ANSWER, ITEM, {
      judge: async (messages) => {
        prompts.push(messages[0]?.content ?? '');
        return '{"classifications": [{"attributed": 1}, {"attributed": 0}]}';
      },
      judgePrompts: {
        'context-recall': {
          template: 'EDITED {{reference}} | {{contexts}}',
          ref: 'ragline-judge-context-recall@2',
        },
      },
    });
    expect(result.scores).toEqual({ recall: 0.5 });
    expect(prompts).toEqual(['EDITED Paris | 1. Paris is the capital of France.']);
  });
});
