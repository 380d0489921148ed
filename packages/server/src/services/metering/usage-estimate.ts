import { countTokens, type TokenCounter } from '../../core/token-count.js';
import type { ChatMessage, CompletionPrompt, TokenUsage } from '../../ports/chat-model.js';

/**
 * Token estimates for calls whose upstream reports no usage (Triton, a client that left mid-stream, a
 * stream cut by a fault) and for reservations before a call.
 *
 * Method: a target's own tokenizer when one is configured (`tokenizer:<name>`); otherwise `heuristic`,
 * core/token-count's word-and-punctuation count, which follows BPE tokenizers within about 10-20 % on
 * English prose. Chat prompts add OpenAI's documented framing: 3 tokens per message and 3 to prime the
 * reply. Estimates are deterministic: the same text always gives the same count, so a streamed call and
 * the same call without streaming are estimated alike.
 */
export interface TokenEstimator {
  /** `heuristic` or `tokenizer:<name>`: stored on estimated usage records. */
  readonly method: string;
  count: TokenCounter;
}

export const heuristicEstimator: TokenEstimator = { method: 'heuristic', count: countTokens };

const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;

export function estimateChatInputTokens(messages: readonly ChatMessage[], estimator: TokenEstimator): number {
  let total = REPLY_PRIMING;
  for (const message of messages) {
    total += PER_MESSAGE + estimator.count(messageText(message));
    if (message.name) total += 1;
  }
  return total;
}

export function estimateCompletionInputTokens(prompt: CompletionPrompt, estimator: TokenEstimator): number {
  if (typeof prompt === 'string') return estimator.count(prompt);
  let total = 0;
  for (const item of prompt as readonly unknown[]) {
    if (typeof item === 'string') total += estimator.count(item);
    else if (typeof item === 'number') total += 1;
    else if (Array.isArray(item)) total += item.length;
  }
  return total;
}

/** An estimated TokenUsage for a call: prompt from the request, output from the text generated. */
export function estimatedUsage(
  inputTokens: number,
  outputText: string,
  estimator: TokenEstimator,
): TokenUsage {
  return {
    inputTokens,
    outputTokens: outputText === '' ? 0 : estimator.count(outputText),
    cachedInputTokens: 0,
    reasoningTokens: 0,
  };
}

function messageText(message: ChatMessage): string {
  const { content } = message;
  let text = '';
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content)) {
    for (const part of content) if (typeof part.text === 'string') text += (text ? '\n' : '') + part.text;
  }
  if (message.tool_calls && message.tool_calls.length > 0) text += JSON.stringify(message.tool_calls);
  return text;
}
