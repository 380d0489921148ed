import { describe, expect, it } from 'vitest';
import { mulberry32 } from './random.js';
import { bootstrapMeanInterval, mean, quantileSorted } from './statistics.js';

describe('mulberry32', () => {
  it('is reproducible per seed and stays in [0, 1)', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const fromA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(fromA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(fromA);
    const draws = Array.from({ length: 10_000 }, mulberry32(1));
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mean(draws)).toBeGreaterThan(0.48);
    expect(mean(draws)).toBeLessThan(0.52);
  });
});

describe('quantileSorted', () => {
  it('interpolates linearly between order statistics (type 7)', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantileSorted([5], 0.3)).toBe(5);
    expect(() => quantileSorted([], 0.5)).toThrow(RangeError);
    expect(() => quantileSorted([1], 1.5)).toThrow(RangeError);
  });
});

describe('bootstrapMeanInterval', () => {
  it('collapses to the value when every value is the same', () => {
    const [lo, hi] = bootstrapMeanInterval([0.25, 0.25, 0.25, 0.25]);
    expect(lo).toBe(0.25);
    expect(hi).toBe(0.25);
  });

  it('brackets the sample mean and narrows with a lower confidence', () => {
    const values = Array.from({ length: 40 }, (_, i) => i % 10);
    const sampleMean = mean(values); // 4.5, standard error about 0.45
    const [lo95, hi95] = bootstrapMeanInterval(values);
    const [lo50, hi50] = bootstrapMeanInterval(values, { confidence: 0.5 });
    expect(lo95).toBeLessThan(sampleMean);
    expect(hi95).toBeGreaterThan(sampleMean);
    expect(hi95 - lo95).toBeGreaterThan(1.2);
    expect(hi95 - lo95).toBeLessThan(2.4);
    expect(hi50 - lo50).toBeLessThan(hi95 - lo95);
  });

  it('rejects bad input', () => {
    expect(() => bootstrapMeanInterval([])).toThrow(RangeError);
    expect(() => bootstrapMeanInterval([1], { resamples: 0 })).toThrow(RangeError);
    expect(() => bootstrapMeanInterval([1], { confidence: 1 })).toThrow(RangeError);
  });
});
