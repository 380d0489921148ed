import type { AnswerCitation, AnswerCost, AnswerResponse, AnswerUsage } from '@ragline/sdk';
import { truncate } from './format.js';

type AnswerHead = Pick<AnswerResponse, 'mode' | 'extractiveReason' | 'model' | 'release' | 'prompt'>;

/** The line above an extractive answer, so nobody mistakes quoted passages for a model's answer. */
export function formatAnswerBanner(head: AnswerHead): string {
  if (head.mode !== 'extractive') return '';
  const why =
    head.extractiveReason === 'requested'
      ? 'as requested'
      : head.extractiveReason === 'release-has-no-model'
        ? 'the release pins no model'
        : 'no model is configured';
  return `Extractive answer (${why}): the best passages as they are, no model wrote this.\n\n`;
}

/** `Citations:` and one line per passage given to the model; `*` marks those the answer cites. */
export function formatCitations(citations: readonly AnswerCitation[], columns = 120): string {
  if (citations.length === 0) return '\nNo passages were found.\n';
  const lines = citations.map((c) => {
    const where = `${c.documentId} [${c.start}, ${c.end})`;
    const mark = c.cited ? '*' : ' ';
    const prefix = `${mark}[${c.ref}] ${where}  `;
    return `${prefix}${truncate(c.text, Math.max(20, columns - prefix.length))}`;
  });
  return `\nCitations (* cited in the answer):\n${lines.join('\n')}\n`;
}

/** The summary line: mode, release, prompt, model and what the call cost. */
export function formatAnswerFooter(head: AnswerHead, usage: AnswerUsage, cost: AnswerCost): string {
  const parts = [`mode: ${head.mode}`];
  if (head.release) parts.push(`release: ${head.release.id}`);
  if (head.prompt) parts.push(`prompt: ${head.prompt.name}@${head.prompt.version}`);
  if (head.model)
    parts.push(`model: ${head.model.route}${head.model.target ? ` (${head.model.target})` : ''}`);
  if (usage.source !== 'none') {
    const estimated = usage.source === 'estimated' ? ' (estimated)' : '';
    parts.push(`tokens: ${usage.inputTokens} in, ${usage.outputTokens} out${estimated}`);
    parts.push(cost.basis === 'unpriced' ? 'cost: unpriced' : `cost: $${cost.dollars}`);
  }
  return `${parts.join(' | ')}\n`;
}

export function formatAnswer(response: AnswerResponse, columns = 120): string {
  return (
    formatAnswerBanner(response) +
    `${response.answer.trimEnd()}\n` +
    formatCitations(response.citations, columns) +
    formatAnswerFooter(response, response.usage, response.cost)
  );
}
