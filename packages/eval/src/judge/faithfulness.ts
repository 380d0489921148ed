import { z } from 'zod';
import { askJudge, type JudgeCall } from './ask-judge.js';
import { DEFAULT_JUDGE_TEMPLATES, numberedList, renderJudgeTemplate } from './judge-templates.js';
import { binaryVerdict } from './verdict-schema.js';

const statementsReply = z.object({ statements: z.array(z.string()) });
const verdictsReply = z.object({
  verdicts: z.array(z.object({ statement: z.string().optional(), verdict: binaryVerdict })),
});

export interface FaithfulnessInput {
  question: string;
  answer: string;
  contexts: readonly string[];
}

export interface FaithfulnessTemplates {
  statements: string;
  verdicts: string;
}

/**
 * Ragas faithfulness: the share of the answer's statements that the retrieved contexts support. The judge
 * splits the answer into standalone statements, then gives a 1/0 verdict per statement against the
 * contexts. An answer with no statements is not scored (undefined).
 */
export async function faithfulness(
  judge: JudgeCall,
  input: FaithfulnessInput,
  templates: FaithfulnessTemplates = {
    statements: DEFAULT_JUDGE_TEMPLATES['faithfulness-statements'],
    verdicts: DEFAULT_JUDGE_TEMPLATES['faithfulness-verdicts'],
  },
): Promise<number | undefined> {
  const { statements: raw } = await askJudge(
    judge,
    renderJudgeTemplate(templates.statements, { question: input.question, answer: input.answer }),
    statementsReply,
  );
  const statements = raw.map((statement) => statement.trim()).filter((statement) => statement !== '');
  if (statements.length === 0) return undefined;
  const { verdicts } = await askJudge(
    judge,
    renderJudgeTemplate(templates.verdicts, {
      contexts: numberedList(input.contexts),
      statements: numberedList(statements),
    }),
    verdictsReply,
    (reply) =>
      reply.verdicts.length === statements.length
        ? undefined
        : `expected ${statements.length} verdicts (one per statement), got ${reply.verdicts.length}`,
  );
  const supported = verdicts.reduce((sum, entry) => sum + entry.verdict, 0);
  return supported / statements.length;
}
