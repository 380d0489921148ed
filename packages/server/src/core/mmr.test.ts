import { describe, expect, it } from 'vitest';
import { cosineSimilarity, maximalMarginalRelevance } from './mmr.js';

const q = [1, 0];
const x1 = { id: 'x1', vector: [0.8, 0.6] }; // cos(q) 0.8
const x2 = { id: 'x2', vector: [0.6, 0.8] }; // cos(q) 0.6, cos(x1) 0.96
const x3 = { id: 'x3', vector: [0.6, -0.8] }; // cos(q) 0.6, cos(x1) 0

describe('maximalMarginalRelevance', () => {
  it('with lambda 1 orders by relevance', () => {
    const picked = maximalMarginalRelevance(q, [x3, x2, x1], { lambda: 1, k: 3 });
    expect(picked.map((p) => p.id)).toEqual(['x1', 'x3', 'x2']);
  });

  it('with lambda 0.5 prefers the diverse candidate over the near-duplicate', () => {
    // after x1: x2 = 0.5*0.6 - 0.5*0.96 = -0.18, x3 = 0.5*0.6 - 0.5*0 = 0.3
    const picked = maximalMarginalRelevance(q, [x2, x3, x1], { lambda: 0.5, k: 2 });
    expect(picked.map((p) => p.id)).toEqual(['x1', 'x3']);
  });

  it('lets a relevant near-duplicate win when lambda is high enough', () => {
    // lambda 0.9 after x1: x2 = 0.54 - 0.096 = 0.444, x3 = 0.54 - 0 = 0.54 -> x3 still;
    // make x2 more relevant: y = [0.96, 0.28] (cos q 0.96, cos x1 0.936)
    const y = { id: 'y', vector: [0.96, 0.28] };
    const picked = maximalMarginalRelevance(q, [x1, y, x3], { lambda: 0.9, k: 2 });
    // first pick y (0.864); then x1 = 0.72 - 0.1*0.936 = 0.6264, x3 = 0.54 - 0.1*(0.576-0.224) = 0.5048
    expect(picked.map((p) => p.id)).toEqual(['y', 'x1']);
  });

  it('stops at k or when candidates run out', () => {
    expect(maximalMarginalRelevance(q, [x1, x2], { lambda: 0.5, k: 5 })).toHaveLength(2);
    expect(maximalMarginalRelevance(q, [], { lambda: 0.5, k: 5 })).toEqual([]);
  });
});

describe('cosineSimilarity', () => {
  it('is scale invariant and 0 for a zero vector', () => {
    expect(cosineSimilarity([2, 0], [0.5, 0.5])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(cosineSimilarity([0, 0], [1, 0])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow(RangeError);
  });
});
