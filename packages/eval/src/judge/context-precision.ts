import { z } from 'zod';
import { askJudge, type JudgeCall } from './ask-judge.js';
import { DEFAULT_JUDGE_TEMPLATES, renderJudgeTemplate } from './judge-templates.js';
import { binaryVerdict } from './verdict-schema.js';

const verdictReply = z.object({ verdict: binaryVerdict });

/**
 * Average precision over ranked relevance verdicts: the mean of precision@k over the ranks k that are
 * relevant; 0 when none is.
 */
export function averagePrecision(relevant: readonly number[]): number {
  let hits = 0;
  let sum = 0;
  relevant.forEach((verdict, i) => {
    if (verdict !== 1) return;
    hits++;
    sum += hits / (i + 1);
  });
  return hits === 0 ? 0 : sum / hits;
}

export interface ContextPrecisionInput {
  question: string;
  reference: string;
  /** Retrieved passages in rank order. */
  contexts: readonly string[];
}

/**
 * Ragas context precision with a reference: the judge says of each retrieved passage (in rank order)
 * whether it was useful in arriving at the reference answer; the score is their average precision. No
 * passages: not scored (undefined).
 */
export async function contextPrecision(
  judge: JudgeCall,
  input: ContextPrecisionInput,
  template: string = DEFAULT_JUDGE_TEMPLATES['context-precision'],
): Promise<number | undefined> {
  if (input.contexts.length === 0) return undefined;
  const verdicts: number[] = [];
  // One passage at a time, as Ragas does; sequential so a repeat adds one judge call in flight, not topK.
  for (const context of input.contexts) {
    const prompt = renderJudgeTemplate(template, {
      question: input.question,
      reference: input.reference,
      context,
    });
    verdicts.push((await askJudge(judge, prompt, verdictReply)).verdict);
  }
  return averagePrecision(verdicts);
}
