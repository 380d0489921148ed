import { describe, expect, it } from 'vitest';
import { longestCommonSubsequence, normalizeAnswerTokens, rougeL, rougeTokens, tokenF1 } from './text.js';

describe('normalizeAnswerTokens', () => {
  it('lowercases, strips punctuation and whole-word articles', () => {
    expect(normalizeAnswerTokens('The  Theater, an "Opera" & a Café!')).toEqual(['theater', 'opera', 'café']);
    expect(normalizeAnswerTokens("Don't stop")).toEqual(['dont', 'stop']);
  });
});

describe('tokenF1', () => {
  it('is 1 for answers equal after normalisation', () => {
    expect(tokenF1('The cat sat on the mat.', 'a cat sat on a MAT')).toEqual({
      precision: 1,
      recall: 1,
      f1: 1,
    });
  });

  it('counts common tokens as a multiset', () => {
    // prediction [cat, cat, dog], reference [cat, dog, dog, bird]: common = min(2,1) + min(1,2) = 2
    const score = tokenF1('cat cat dog', 'cat dog dog bird');
    expect(score.precision).toBeCloseTo(2 / 3, 12);
    expect(score.recall).toBeCloseTo(1 / 2, 12);
    expect(score.f1).toBeCloseTo(4 / 7, 12);
  });

  it('is 0 without common tokens and handles empty answers like SQuAD', () => {
    expect(tokenF1('Paris', 'London').f1).toBe(0);
    expect(tokenF1('the', '').f1).toBe(1);
    expect(tokenF1('', 'Paris').f1).toBe(0);
    expect(tokenF1('Paris', 'a').f1).toBe(0);
  });
});

describe('longestCommonSubsequence', () => {
  it('finds the textbook LCS length', () => {
    expect(longestCommonSubsequence([...'ABCBDAB'], [...'BDCABA'])).toBe(4);
    expect(longestCommonSubsequence([], ['a'])).toBe(0);
  });
});

describe('rougeL', () => {
  it('uses the LCS over tokens, not contiguous overlap', () => {
    // LCS = the cat on the mat (5 of 6 on each side)
    const score = rougeL('the cat sat on the mat', 'The cat was on the mat.');
    expect(score.precision).toBeCloseTo(5 / 6, 12);
    expect(score.recall).toBeCloseTo(5 / 6, 12);
    expect(score.f1).toBeCloseTo(5 / 6, 12);
  });

  it('weighs precision and recall equally (beta = 1)', () => {
    // candidate [a, b, c, d], reference [a, c]: LCS 2, P = 1/2, R = 1, F = 2PR / (P + R) = 2/3
    const score = rougeL('a b c d', 'a c');
    expect(score.precision).toBeCloseTo(0.5, 12);
    expect(score.recall).toBe(1);
    expect(score.f1).toBeCloseTo(2 / 3, 12);
    expect(rougeL('a c', 'a b c d').f1).toBeCloseTo(2 / 3, 12);
  });

  it('respects order', () => {
    expect(rougeL('b a', 'a b').f1).toBeCloseTo(0.5, 12);
    expect(rougeL('x y', 'a b').f1).toBe(0);
  });

  it('tokenises on non-alphanumeric characters and handles empty texts', () => {
    expect(rougeTokens("It's 42-ish.")).toEqual(['it', 's', '42', 'ish']);
    expect(rougeL('...', '').f1).toBe(1);
    expect(rougeL('word', '!').f1).toBe(0);
  });
});
