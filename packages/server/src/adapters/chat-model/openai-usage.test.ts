import { describe, expect, it } from 'vitest';
import { toTokenUsage } from './openai-usage.js';

describe('toTokenUsage', () => {
  it('reads OpenAI usage with both detail objects', () => {
    expect(
      toTokenUsage({
        prompt_tokens: 19,
        completion_tokens: 10,
        total_tokens: 29,
        prompt_tokens_details: { cached_tokens: 4, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 3,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      }),
    ).toEqual({ inputTokens: 19, outputTokens: 10, cachedInputTokens: 4, reasoningTokens: 3 });
  });

  it('reads vLLM usage with null details', () => {
    expect(
      toTokenUsage({
        prompt_tokens: 29,
        total_tokens: 105,
        completion_tokens: 76,
        prompt_tokens_details: null,
      }),
    ).toEqual({ inputTokens: 29, outputTokens: 76, cachedInputTokens: 0, reasoningTokens: 0 });
  });

  it('reads trtllm usage with cached tokens and a null completion count', () => {
    expect(
      toTokenUsage({
        prompt_tokens: 12,
        total_tokens: 12,
        completion_tokens: null,
        prompt_tokens_details: { cached_tokens: 8 },
      }),
    ).toEqual({ inputTokens: 12, outputTokens: 0, cachedInputTokens: 8, reasoningTokens: 0 });
  });

  it('reads the minimal OpenAI stream usage', () => {
    expect(toTokenUsage({ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 })).toEqual({
      inputTokens: 9,
      outputTokens: 2,
      cachedInputTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('gives null for missing or unusable usage', () => {
    expect(toTokenUsage(undefined)).toBeNull();
    expect(toTokenUsage(null)).toBeNull();
    expect(toTokenUsage({})).toBeNull();
    expect(toTokenUsage({ prompt_tokens: '9', completion_tokens: 2 })).toBeNull();
    expect(toTokenUsage({ prompt_tokens: 9, completion_tokens: -1 })).toBeNull();
  });
});
