import { ApiError } from '../../core/api-error.js';

/** The context window assumed when neither the request nor the prompt's model config gives one. */
export const DEFAULT_CONTEXT_WINDOW = 8192;
/** The answer's max_tokens when neither the request nor the prompt's model config gives one. */
export const DEFAULT_ANSWER_MAX_TOKENS = 1024;

/** Keys of a prompt's model-config parameters that size the call rather than go to the model. */
const CONTEXT_WINDOW_KEYS = ['contextWindow', 'context_window'] as const;
const MAX_TOKENS_KEYS = ['maxTokens', 'max_tokens', 'max_completion_tokens'] as const;
/** Fields of the chat request the answer service sets itself. */
const RESERVED_FIELDS = new Set(['model', 'messages', 'stream', 'stream_options', 'n']);

type Parameters = Readonly<Record<string, unknown>> | null | undefined;

function positiveInteger(parameters: Parameters, keys: readonly string[]): number | undefined {
  for (const key of keys) {
    const value = parameters?.[key];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  }
  return undefined;
}

/** The request's `contextWindow`, else the model config's `contextWindow`, else 8192. */
export function contextWindowOf(requested: number | undefined, parameters: Parameters): number {
  return requested ?? positiveInteger(parameters, CONTEXT_WINDOW_KEYS) ?? DEFAULT_CONTEXT_WINDOW;
}

/** The request's `maxTokens`, else the model config's `max_tokens`, else 1024. */
export function maxTokensOf(requested: number | undefined, parameters: Parameters): number {
  return requested ?? positiveInteger(parameters, MAX_TOKENS_KEYS) ?? DEFAULT_ANSWER_MAX_TOKENS;
}

/** Model-config parameters sent with the chat request (temperature, top_p, stop, ...). */
export function requestParameters(parameters: Parameters): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parameters ?? {})) {
    if (RESERVED_FIELDS.has(key)) continue;
    if ((CONTEXT_WINDOW_KEYS as readonly string[]).includes(key)) continue;
    if ((MAX_TOKENS_KEYS as readonly string[]).includes(key)) continue;
    out[key] = value;
  }
  return out;
}

/**
 * Tokens left for the context: the window less the prompt rendered without context and the answer's
 * max_tokens. A prompt that leaves no room is the caller's to fix (400 naming what to change).
 */
export function contextBudget(input: {
  contextWindow: number;
  promptTokens: number;
  maxTokens: number;
}): number {
  const budget = input.contextWindow - input.promptTokens - input.maxTokens;
  if (budget <= 0) {
    throw new ApiError(
      'INVALID_REQUEST',
      `contextWindow: ${input.contextWindow} tokens leave no room for context after the prompt ` +
        `(~${input.promptTokens} tokens) and maxTokens (${input.maxTokens}); lower maxTokens or raise contextWindow`,
    );
  }
  return budget;
}
