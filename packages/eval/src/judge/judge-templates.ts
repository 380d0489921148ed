import type { MetricKind } from '../suite/suite-definition.js';

/** The judge prompts: faithfulness takes two steps (statements, then verdicts), the other metrics one. */
export type JudgePromptId =
  | 'faithfulness-statements'
  | 'faithfulness-verdicts'
  | 'answer-relevancy'
  | 'context-precision'
  | 'context-recall';

/** A judge prompt as it will be sent; `name@version` when it came from the registry. */
export interface JudgePrompt {
  template: string;
  /** `ragline-judge-<id>@<version>`; absent for a built-in template not stored in the registry. */
  ref?: string;
}

export type JudgePromptSet = Partial<Record<JudgePromptId, JudgePrompt>>;

/** The registry name of a judge prompt. */
export function judgePromptName(id: JudgePromptId): string {
  return `ragline-judge-${id}`;
}

/** The prompts each judged metric kind uses, in call order. */
export const JUDGE_PROMPTS_OF: Partial<Record<MetricKind, readonly JudgePromptId[]>> = {
  faithfulness: ['faithfulness-statements', 'faithfulness-verdicts'],
  'answer-relevancy': ['answer-relevancy'],
  'context-precision': ['context-precision'],
  'context-recall': ['context-recall'],
};

const JSON_ONLY = 'Reply with the JSON object only, no other text.';

/**
 * The built-in templates (Ragas' definitions, asking for strict JSON). Placeholders are `{{name}}`; the
 * registry stores these as text prompts, and an edited version there is what runs.
 */
export const DEFAULT_JUDGE_TEMPLATES: Record<JudgePromptId, string> = {
  'faithfulness-statements': `Given a question and an answer, break the answer down into standalone statements. Each statement must be understandable on its own: replace pronouns with the names they refer to. Leave out statements that carry no information (greetings, filler).

Question: {{question}}

Answer: {{answer}}

Reply with a JSON object: {"statements": ["...", "..."]}. An answer with no information gives {"statements": []}.
${JSON_ONLY}`,
  'faithfulness-verdicts': `Judge the faithfulness of statements to a context. For each statement, give verdict 1 if it can be directly inferred from the context, or 0 if it cannot (it contradicts the context, or the context does not say it).

Context:
{{contexts}}

Statements:
{{statements}}

Reply with a JSON object with one verdict per statement, in the same order: {"verdicts": [{"statement": "...", "reason": "...", "verdict": 1}]}.
${JSON_ONLY}`,
  'answer-relevancy': `Generate {{count}} different questions that the given answer answers, each a question someone could have asked to get this answer. Also say whether the answer is noncommittal: 1 if it is evasive, vague or ambiguous (for example "I don't know" or "I'm not sure"), 0 if it commits to an answer.

Answer: {{answer}}

Reply with a JSON object: {"questions": ["...", "..."], "noncommittal": 0}.
${JSON_ONLY}`,
  'context-precision': `Given a question, a reference answer and a context, verify whether the context was useful in arriving at the reference answer. Give verdict 1 if it was useful, 0 if it was not.

Question: {{question}}

Reference answer: {{reference}}

Context: {{context}}

Reply with a JSON object: {"reason": "...", "verdict": 1}.
${JSON_ONLY}`,
  'context-recall': `Given a context and a reference answer, analyze each sentence of the reference answer and classify whether the sentence can be attributed to the context: attributed 1 if it can, 0 if it cannot.

Question: {{question}}

Context:
{{contexts}}

Reference answer: {{reference}}

Reply with a JSON object with one entry per sentence of the reference answer: {"classifications": [{"statement": "...", "reason": "...", "attributed": 1}]}.
${JSON_ONLY}`,
};

/**
 * Fills `{{name}}` (and `{{{name}}}`) placeholders; unknown names are left as they are. Only plain
 * values: a registry edit that uses sections is sent with the section tags unrendered.
 */
export function renderJudgeTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\{?\s*([\w.-]+)\s*\}?\}\}/g, (placeholder, name: string) =>
    Object.hasOwn(values, name) ? (values[name] as string) : placeholder,
  );
}

/** Passages as a numbered list, for prompts that show every retrieved context at once. */
export function numberedList(items: readonly string[]): string {
  return items.map((item, i) => `${i + 1}. ${item}`).join('\n');
}
