import type { TokenUsage } from '../../ports/chat-model.js';

/**
 * An OpenAI-shaped `usage` object (OpenAI, vLLM, trtllm-serve) as TokenUsage. Null when there is no
 * usage or it lacks the token counts. `prompt_tokens_details` and `completion_tokens_details` may be
 * absent or null (vLLM sends `prompt_tokens_details: null` unless prompt-token details are enabled;
 * trtllm's `completion_tokens` may be null).
 */
export function toTokenUsage(usage: unknown): TokenUsage | null {
  if (typeof usage !== 'object' || usage === null) return null;
  const u = usage as {
    prompt_tokens?: unknown;
    completion_tokens?: unknown;
    prompt_tokens_details?: { cached_tokens?: unknown } | null;
    completion_tokens_details?: { reasoning_tokens?: unknown } | null;
  };
  if (!isCount(u.prompt_tokens)) return null;
  if (!isCount(u.completion_tokens) && u.completion_tokens != null) return null;
  const cached = u.prompt_tokens_details?.cached_tokens;
  const reasoning = u.completion_tokens_details?.reasoning_tokens;
  return {
    inputTokens: u.prompt_tokens,
    outputTokens: isCount(u.completion_tokens) ? u.completion_tokens : 0,
    cachedInputTokens: isCount(cached) ? cached : 0,
    reasoningTokens: isCount(reasoning) ? reasoning : 0,
  };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
