import { describe, expect, it } from 'vitest';
import { BM25_DEFAULTS, documentSparseVector, querySparseVector, termIndex } from './sparse-vector.js';

function dot(a: { indices: number[]; values: number[] }, b: { indices: number[]; values: number[] }): number {
  const weights = new Map(b.indices.map((i, n) => [i, b.values[n] ?? 0]));
  return a.indices.reduce((sum, i, n) => sum + (a.values[n] ?? 0) * (weights.get(i) ?? 0), 0);
}

describe('termIndex', () => {
  it('is the 32-bit FNV-1a hash of the UTF-8 term (stable across releases)', () => {
    // Reference values of FNV-1a 32 (offset basis 0x811c9dc5, prime 0x01000193).
    expect(termIndex('')).toBe(0x811c9dc5);
    expect(termIndex('a')).toBe(0xe40c292c);
    expect(termIndex('foobar')).toBe(0xbf9cf968);
  });

  it('spreads distinct terms and stays an unsigned 32-bit integer', () => {
    const terms = Array.from({ length: 2000 }, (_, i) => `term${i}`);
    const indices = new Set(terms.map(termIndex));
    expect(indices.size).toBe(terms.length);
    for (const i of indices) expect(i >= 0 && i <= 0xffffffff && Number.isInteger(i)).toBe(true);
  });
});

describe('documentSparseVector', () => {
  it('has unique ascending indices of the analyzed terms', () => {
    const v = documentSparseVector('Dogs run. The dog runs fast!');
    expect(v.indices).toEqual(
      [...new Set([termIndex('dog'), termIndex('run'), termIndex('fast')])].sort((a, b) => a - b),
    );
    expect(v.values).toHaveLength(3);
  });

  it('applies BM25 term-frequency saturation and length normalisation', () => {
    const { k1, b, avgDocLength } = BM25_DEFAULTS;
    const v = documentSparseVector('dog dog dog cat');
    const norm = k1 * (1 - b + (b * 4) / avgDocLength);
    const weight = (tf: number) => (tf * (k1 + 1)) / (tf + norm);
    expect(v.values[v.indices.indexOf(termIndex('dog'))]).toBeCloseTo(weight(3), 12);
    expect(v.values[v.indices.indexOf(termIndex('cat'))]).toBeCloseTo(weight(1), 12);
    // Saturation: more occurrences help less and less, never beyond k1 + 1.
    const many = documentSparseVector('dog '.repeat(1000)).values[0] ?? 0;
    expect(many).toBeLessThan(k1 + 1);
    // The same term weighs less in a longer document.
    const short = documentSparseVector('dog cat');
    const long = documentSparseVector(`dog ${'cat '.repeat(300)}`);
    expect(short.values[short.indices.indexOf(termIndex('dog'))]).toBeGreaterThan(
      long.values[long.indices.indexOf(termIndex('dog'))] ?? Number.POSITIVE_INFINITY,
    );
  });

  it('honours custom parameters (b = 0 removes length normalisation)', () => {
    const a = documentSparseVector('dog cat', { b: 0 });
    const c = documentSparseVector(`dog ${'cat '.repeat(300)}`, { b: 0 });
    expect(a.values[a.indices.indexOf(termIndex('dog'))]).toBeCloseTo(
      c.values[c.indices.indexOf(termIndex('dog'))] ?? 0,
      12,
    );
  });
});

describe('querySparseVector', () => {
  it('weighs each unique analyzed term 1 and ranks matching documents by BM25', () => {
    const q = querySparseVector('Running dogs, running!');
    expect(q.indices).toEqual([termIndex('run'), termIndex('dog')].sort((a, b) => a - b));
    expect(q.values).toEqual([1, 1]);
    const both = documentSparseVector('a dog that runs');
    const one = documentSparseVector('a dog that sleeps');
    const none = documentSparseVector('a cat that sleeps');
    expect(dot(q, both)).toBeGreaterThan(dot(q, one));
    expect(dot(q, one)).toBeGreaterThan(0);
    expect(dot(q, none)).toBe(0);
  });

  it('is empty for a query of stop words only', () => {
    expect(querySparseVector('the and of')).toEqual({ indices: [], values: [] });
  });
});
