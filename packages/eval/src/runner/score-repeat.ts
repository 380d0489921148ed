import type { EvalRepeat } from '../run/eval-run.js';
import type { DatasetCase } from '../suite/dataset.js';
import type { MetricDefinition } from '../suite/suite-definition.js';
import type { TargetAnswer } from '../targets/target.js';
import { scoreOutput } from './score-output.js';

/** Services the asynchronous metrics call; absent when the suite declares no judge or embedder. */
export interface ScoringServices {
  /** Sends chat messages to the judge model and returns its answer text. */
  judge?: (messages: { role: 'system' | 'user'; content: string }[]) => Promise<string>;
  /** Embeds texts (one vector per text, in order). */
  embed?: (texts: string[]) => Promise<number[][]>;
}

export type RepeatScores = Pick<EvalRepeat, 'scores' | 'passed'> & { error?: string };

/**
 * Scores one answer with every metric of the suite. A metric without what it needs on this case (no expected
 * value) is left out; a judge or embedder that fails sets `error` (infrastructure, never a quality failure).
 */
export async function scoreRepeat(
  metrics: readonly MetricDefinition[],
  answer: TargetAnswer,
  item: DatasetCase,
  _services: ScoringServices,
): Promise<RepeatScores> {
  const scores: Record<string, number> = {};
  const passed: Record<string, boolean> = {};
  for (const metric of metrics) {
    const result = scoreOutput(metric, answer, item);
    if (result === undefined) continue;
    scores[metric.name] = result.score;
    passed[metric.name] = result.passed;
  }
  return { scores, passed };
}
