import { z } from 'zod';
import { askJudge, type JudgeCall } from './ask-judge.js';
import { DEFAULT_JUDGE_TEMPLATES, numberedList, renderJudgeTemplate } from './judge-templates.js';
import { binaryVerdict } from './verdict-schema.js';

const classificationsReply = z.object({
  classifications: z.array(z.object({ statement: z.string().optional(), attributed: binaryVerdict })),
});

export interface ContextRecallInput {
  question: string;
  reference: string;
  contexts: readonly string[];
}

/**
 * Ragas context recall: the share of the reference answer's sentences that the judge attributes to the
 * retrieved contexts. No contexts, or a reference the judge finds no sentence in: not scored (undefined).
 */
export async function contextRecall(
  judge: JudgeCall,
  input: ContextRecallInput,
  template: string = DEFAULT_JUDGE_TEMPLATES['context-recall'],
): Promise<number | undefined> {
  if (input.contexts.length === 0) return undefined;
  const prompt = renderJudgeTemplate(template, {
    question: input.question,
    reference: input.reference,
    contexts: numberedList(input.contexts),
  });
  const { classifications } = await askJudge(judge, prompt, classificationsReply);
  if (classifications.length === 0) return undefined;
  return classifications.reduce((sum, entry) => sum + entry.attributed, 0) / classifications.length;
}
