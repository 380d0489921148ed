import { describe, expect, it } from 'vitest';
import { cosineSimilarity } from './embedding.js';

describe('cosineSimilarity', () => {
  it('is dot / (|a| |b|)', () => {
    // (1*2 + 2*0 + 2*1) / (3 * sqrt(5)) = 4 / (3 sqrt 5)
    expect(cosineSimilarity([1, 2, 2], [2, 0, 1])).toBeCloseTo(4 / (3 * Math.sqrt(5)), 12);
    expect(cosineSimilarity([3, 4], [6, 8])).toBe(1);
    expect(cosineSimilarity([1, 0], [-1, 0])).toBe(-1);
    expect(cosineSimilarity([1, 0], [0, 5])).toBe(0);
  });

  it('is 0 for a zero vector and refuses vectors of different lengths', () => {
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow(/different lengths \(1 and 2\)/);
  });
});
