import { z } from 'zod';
import { cosineSimilarity } from '../metrics/embedding.js';
import { askJudge, type JudgeCall } from './ask-judge.js';
import { DEFAULT_JUDGE_TEMPLATES, renderJudgeTemplate } from './judge-templates.js';
import { binaryVerdict } from './verdict-schema.js';

export const DEFAULT_RELEVANCY_QUESTIONS = 3;

const questionsReply = z.object({
  questions: z.array(z.string().trim().min(1)).min(1),
  noncommittal: binaryVerdict,
});

export interface GeneratedQuestions {
  questions: string[];
  noncommittal: boolean;
}

/** The judge's questions for an answer (at most `count`), and whether it found the answer noncommittal. */
export async function generateQuestions(
  judge: JudgeCall,
  answer: string,
  count: number = DEFAULT_RELEVANCY_QUESTIONS,
  template: string = DEFAULT_JUDGE_TEMPLATES['answer-relevancy'],
): Promise<GeneratedQuestions> {
  const reply = await askJudge(
    judge,
    renderJudgeTemplate(template, { answer, count: String(count) }),
    questionsReply,
  );
  return { questions: reply.questions.slice(0, count), noncommittal: reply.noncommittal === 1 };
}

/**
 * Ragas answer relevancy from embeddings: the mean cosine similarity between the question and each
 * generated question, and 0 when the judge found the answer noncommittal.
 */
export function relevancyScore(
  questionVector: readonly number[],
  generatedVectors: readonly (readonly number[])[],
  noncommittal: boolean,
): number {
  if (noncommittal) return 0;
  if (generatedVectors.length === 0)
    throw new Error('answer relevancy needs at least one generated question');
  const sum = generatedVectors.reduce((total, vector) => total + cosineSimilarity(questionVector, vector), 0);
  return sum / generatedVectors.length;
}

/** Ragas answer relevancy in one go: generate questions from the answer, embed them with the question, compare. */
export async function answerRelevancy(
  judge: JudgeCall,
  embed: (texts: string[]) => Promise<number[][]>,
  input: { question: string; answer: string; questions?: number },
  template?: string,
): Promise<number> {
  const generated = await generateQuestions(judge, input.answer, input.questions, template);
  if (generated.noncommittal) return 0;
  const [questionVector, ...generatedVectors] = await embed([input.question, ...generated.questions]);
  return relevancyScore(questionVector ?? [], generatedVectors, false);
}
