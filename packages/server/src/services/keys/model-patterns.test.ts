import { describe, expect, it } from 'vitest';
import { modelAllowed } from './model-patterns.js';

describe('modelAllowed', () => {
  it('allows every model without a list and none with an empty one', () => {
    expect(modelAllowed(null, 'anything')).toBe(true);
    expect(modelAllowed([], 'anything')).toBe(false);
  });

  it('matches exact names literally (no regex metacharacters)', () => {
    expect(modelAllowed(['gpt-4o-mini'], 'gpt-4o-mini')).toBe(true);
    expect(modelAllowed(['gpt-4o-mini'], 'gpt-4o-mini-2')).toBe(false);
    expect(modelAllowed(['gpt.4o'], 'gpt-4o')).toBe(false);
    expect(modelAllowed(['llama?'], 'llama1')).toBe(false);
    expect(modelAllowed(['a+b'], 'a+b')).toBe(true);
  });

  it('treats * as any run of characters, slashes and the empty run included', () => {
    const patterns = ['llama-*', 'meta-llama/*', '*-embed', 'mix*ed*end'];
    for (const name of [
      'llama-',
      'llama-3.1-8b',
      'meta-llama/Llama-3.1-8B',
      'bge-embed',
      'mixedend',
      'mix-ed-x-end',
    ]) {
      expect(modelAllowed(patterns, name), name).toBe(true);
    }
    for (const name of ['llama', 'xllama-3', 'meta-llama', 'embed', 'mixend', 'mixed-en', 'edmixend']) {
      expect(modelAllowed(patterns, name), name).toBe(false);
    }
    expect(modelAllowed(['*'], '')).toBe(true);
    expect(modelAllowed(['*'], 'any/thing')).toBe(true);
  });

  it('does not let the prefix and suffix overlap', () => {
    expect(modelAllowed(['ab*ba'], 'aba')).toBe(false);
    expect(modelAllowed(['ab*ba'], 'abba')).toBe(true);
    expect(modelAllowed(['a*b*a'], 'aba')).toBe(true);
    expect(modelAllowed(['a*bb*a'], 'abba')).toBe(true);
    expect(modelAllowed(['a*bb*a'], 'abba'.slice(0, 3))).toBe(false);
  });
});
