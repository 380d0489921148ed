import { describe, expect, it } from 'vitest';
import { ApiError } from '../../core/api-error.js';
import { contextBudget, contextWindowOf, maxTokensOf, requestParameters } from './answer-budget.js';

describe('answer budget', () => {
  it('takes the context window from the request, else the model config, else 8192', () => {
    expect(contextWindowOf(4096, { contextWindow: 32_000 })).toBe(4096);
    expect(contextWindowOf(undefined, { contextWindow: 32_000 })).toBe(32_000);
    expect(contextWindowOf(undefined, { context_window: 16_000 })).toBe(16_000);
    expect(contextWindowOf(undefined, { contextWindow: 'big' })).toBe(8192);
    expect(contextWindowOf(undefined, null)).toBe(8192);
  });

  it('takes max tokens from the request, else the model config, else 1024', () => {
    expect(maxTokensOf(100, { max_tokens: 300 })).toBe(100);
    expect(maxTokensOf(undefined, { max_tokens: 300 })).toBe(300);
    expect(maxTokensOf(undefined, {})).toBe(1024);
  });

  it('sends sampling parameters but not the sizes or fields the service sets', () => {
    expect(
      requestParameters({
        temperature: 0.2,
        top_p: 0.9,
        contextWindow: 9000,
        max_tokens: 5,
        model: 'x',
        stream: true,
      }),
    ).toEqual({ temperature: 0.2, top_p: 0.9 });
  });

  it('is the window less the prompt and max tokens; a prompt that leaves no room is a 400', () => {
    expect(contextBudget({ contextWindow: 8192, promptTokens: 200, maxTokens: 1024 })).toBe(6968);
    expect(() => contextBudget({ contextWindow: 1000, promptTokens: 200, maxTokens: 800 })).toThrow(ApiError);
    expect(() => contextBudget({ contextWindow: 1000, promptTokens: 200, maxTokens: 800 })).toThrow(
      /contextWindow/,
    );
  });
});
