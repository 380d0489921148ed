import type { JudgeCall } from '../judge/ask-judge.js';
import { ASYNC_METRIC_KINDS, type AsyncMetricStep, startAsyncMetric } from '../judge/async-metric.js';
import type { JudgePromptSet } from '../judge/judge-templates.js';
import type { EvalRepeat } from '../run/eval-run.js';
import type { DatasetCase } from '../suite/dataset.js';
import type { MetricDefinition } from '../suite/suite-definition.js';
import type { TargetAnswer } from '../targets/target.js';
import { scoreOutput, withVerdict } from './score-output.js';

/** Services the asynchronous metrics call; absent when the suite declares no judge or embedder. */
export interface ScoringServices {
  /** Sends chat messages to the judge model and returns its answer text. */
  judge?: JudgeCall;
  /** Embeds texts (one vector per text, in order). */
  embed?: (texts: string[]) => Promise<number[][]>;
  /** The judge prompts to send (the registry's versions); default: the built-in templates. */
  judgePrompts?: JudgePromptSet;
  /** Answer relevancy: questions the judge generates per answer; default 3. */
  relevancyQuestions?: number;
}

export type RepeatScores = Pick<EvalRepeat, 'scores' | 'passed'> & { error?: string };

/**
 * Scores one answer with every metric of the suite: the synchronous ones first, then the judged and
 * embedding ones in suite order, with every text the repeat needs embedded in one embedder call. A metric
 * without what it needs on this case (no expected value, no contexts) is left out. A judge or embedder
 * failure sets `error` (infrastructure, never a quality failure) and stops the scoring: the scores
 * computed before it are kept, the metrics after it are absent, and the error makes the run incomplete.
 */
export async function scoreRepeat(
  metrics: readonly MetricDefinition[],
  answer: TargetAnswer,
  item: DatasetCase,
  services: ScoringServices,
): Promise<RepeatScores> {
  const scores: Record<string, number> = {};
  const passed: Record<string, boolean> = {};
  const record = (metric: MetricDefinition, score: number) => {
    const verdict = withVerdict(metric, score);
    scores[metric.name] = verdict.score;
    passed[metric.name] = verdict.passed;
  };
  for (const metric of metrics) {
    if (ASYNC_METRIC_KINDS.has(metric.kind)) continue;
    const result = scoreOutput(metric, answer, item);
    if (result === undefined) continue;
    scores[metric.name] = result.score;
    passed[metric.name] = result.passed;
  }

  const waiting: { metric: MetricDefinition; step: Extract<AsyncMetricStep, { embed: string[] }> }[] = [];
  let current = '';
  try {
    for (const metric of metrics) {
      if (!ASYNC_METRIC_KINDS.has(metric.kind)) continue;
      current = metric.name;
      const step = await startAsyncMetric(metric, answer, item, services);
      if (step === undefined) continue;
      if ('score' in step) record(metric, step.score);
      else waiting.push({ metric, step });
    }
    if (waiting.length > 0) {
      current = waiting.map(({ metric }) => metric.name).join(', ');
      if (services.embed === undefined) throw new Error('no embedder configured (suite `embedder`)');
      const texts = [...new Set(waiting.flatMap(({ step }) => step.embed))];
      const vectors = await services.embed(texts);
      const byText = new Map(texts.map((text, i) => [text, vectors[i] ?? []]));
      for (const { metric, step } of waiting) {
        current = metric.name;
        record(metric, step.finish(step.embed.map((text) => byText.get(text) ?? [])));
      }
    }
  } catch (error) {
    return { scores, passed, error: `${current}: ${(error as Error).message}` };
  }
  return { scores, passed };
}
