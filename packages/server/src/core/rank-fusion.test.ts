import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion } from './rank-fusion.js';

const key = (s: string) => s;

describe('reciprocalRankFusion', () => {
  it('sums weight / (k + rank) across lists, rank 1-based', () => {
    const fused = reciprocalRankFusion(
      [
        { items: ['a', 'b', 'c'], weight: 1 },
        { items: ['c', 'a', 'd'], weight: 0.5 },
      ],
      { k: 60, key, limit: 10 },
    );
    expect(fused.map((f) => f.item)).toEqual(['a', 'c', 'b', 'd']);
    const scores = Object.fromEntries(fused.map((f) => [f.item, f.score]));
    expect(scores.a).toBeCloseTo(1 / 61 + 0.5 / 62, 12);
    expect(scores.c).toBeCloseTo(1 / 63 + 0.5 / 61, 12);
    expect(scores.b).toBeCloseTo(1 / 62, 12);
    expect(scores.d).toBeCloseTo(0.5 / 63, 12);
  });

  it('respects limit and k', () => {
    const fused = reciprocalRankFusion([{ items: ['x', 'y', 'z'], weight: 2 }], { k: 0, key, limit: 2 });
    expect(fused).toEqual([
      { item: 'x', score: 2 },
      { item: 'y', score: 1 },
    ]);
  });

  it('counts an item repeated within one list once, at its best rank', () => {
    const fused = reciprocalRankFusion([{ items: ['a', 'a', 'b'], weight: 1 }], { k: 1, key, limit: 5 });
    expect(fused).toEqual([
      { item: 'a', score: 1 / 2 },
      { item: 'b', score: 1 / 4 },
    ]);
  });

  it('keeps the first-seen object and breaks score ties by best rank', () => {
    const items1 = [
      { id: 'p', from: 1 },
      { id: 'q', from: 1 },
    ];
    const items2 = [
      { id: 'q', from: 2 },
      { id: 'p', from: 2 },
    ];
    const fused = reciprocalRankFusion(
      [
        { items: items1, weight: 1 },
        { items: items2, weight: 1 },
      ],
      { k: 60, key: (i) => i.id, limit: 5 },
    );
    expect(fused[0]?.score).toBeCloseTo(fused[1]?.score as number, 12);
    expect(fused.map((f) => f.item)).toEqual([items1[0], items1[1]]);
  });

  it('returns nothing for empty input', () => {
    expect(reciprocalRankFusion<string>([], { k: 60, key, limit: 3 })).toEqual([]);
  });
});
