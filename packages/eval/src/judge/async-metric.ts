import { cosineSimilarity } from '../metrics/embedding.js';
import type { DatasetCase } from '../suite/dataset.js';
import { renderInput } from '../suite/render-input.js';
import type { MetricDefinition, MetricKind } from '../suite/suite-definition.js';
import type { TargetAnswer } from '../targets/target.js';
import { DEFAULT_RELEVANCY_QUESTIONS, generateQuestions, relevancyScore } from './answer-relevancy.js';
import type { JudgeCall } from './ask-judge.js';
import { contextPrecision } from './context-precision.js';
import { contextRecall } from './context-recall.js';
import { faithfulness } from './faithfulness.js';
import { DEFAULT_JUDGE_TEMPLATES, type JudgePromptId, type JudgePromptSet } from './judge-templates.js';

/** Metrics scored through a judge or an embedder (asynchronous, may fail for infrastructure reasons). */
export const ASYNC_METRIC_KINDS: ReadonlySet<MetricKind> = new Set<MetricKind>([
  'embedding-cosine',
  'faithfulness',
  'answer-relevancy',
  'context-precision',
  'context-recall',
]);

export interface AsyncMetricServices {
  judge?: JudgeCall;
  judgePrompts?: JudgePromptSet;
  relevancyQuestions?: number;
}

/**
 * What a metric needs after its judge calls: a final score, or texts to embed (all of a repeat's texts go
 * in one embedder call) and how to score their vectors.
 */
export type AsyncMetricStep =
  | { score: number }
  | { embed: string[]; finish: (vectors: readonly (readonly number[])[]) => number };

/**
 * Runs the judge part of one asynchronous metric on one answer. Undefined: the metric does not apply to
 * this case (no answer text, no retrieved contexts, no expected answer, or nothing for the judge to judge).
 * Throws on judge failures (infrastructure).
 */
export async function startAsyncMetric(
  metric: MetricDefinition,
  answer: TargetAnswer,
  item: DatasetCase,
  services: AsyncMetricServices,
): Promise<AsyncMetricStep | undefined> {
  const output = answer.output;
  const contexts = (answer.contexts ?? []).map((context) => context.text);
  const reference = expectedText(item);
  const question = renderInput(item);
  const template = (id: JudgePromptId) =>
    services.judgePrompts?.[id]?.template ?? DEFAULT_JUDGE_TEMPLATES[id];
  const judge = () => {
    if (services.judge === undefined) throw new Error('no judge configured (suite `judge`)');
    return services.judge;
  };
  const scored = (score: number | undefined) => (score === undefined ? undefined : { score });

  switch (metric.kind) {
    case 'embedding-cosine':
      if (output === null || reference === undefined) return undefined;
      return { embed: [output, reference], finish: ([a, b]) => cosineSimilarity(a ?? [], b ?? []) };
    case 'faithfulness':
      if (output === null || contexts.length === 0) return undefined;
      return scored(
        await faithfulness(
          judge(),
          { question, answer: output, contexts },
          { statements: template('faithfulness-statements'), verdicts: template('faithfulness-verdicts') },
        ),
      );
    case 'answer-relevancy': {
      if (output === null) return undefined;
      const count = services.relevancyQuestions ?? DEFAULT_RELEVANCY_QUESTIONS;
      const generated = await generateQuestions(judge(), output, count, template('answer-relevancy'));
      if (generated.noncommittal) return { score: 0 };
      return {
        embed: [question, ...generated.questions],
        finish: ([questionVector, ...generatedVectors]) =>
          relevancyScore(questionVector ?? [], generatedVectors, false),
      };
    }
    case 'context-precision':
      if (reference === undefined) return undefined;
      return scored(
        await contextPrecision(judge(), { question, reference, contexts }, template('context-precision')),
      );
    case 'context-recall':
      if (reference === undefined) return undefined;
      return scored(
        await contextRecall(judge(), { question, reference, contexts }, template('context-recall')),
      );
    default:
      return undefined;
  }
}

function expectedText(item: DatasetCase): string | undefined {
  if (item.expected === undefined) return undefined;
  return typeof item.expected === 'string' ? item.expected : JSON.stringify(item.expected);
}
