import { describe, expect, it } from 'vitest';
import {
  hitAtK,
  ndcgAtK,
  recallAtK,
  reciprocalRank,
  relevantBySpanOverlap,
  spanRecallAtK,
} from './retrieval.js';

const retrieved = ['d1', 'd2', 'd3', 'd4', 'd5'];
const relevant = ['d2', 'd4', 'd9'];

describe('hit@k and recall@k', () => {
  it('look only at the first k results', () => {
    expect(hitAtK(retrieved, relevant, 1)).toBe(0);
    expect(hitAtK(retrieved, relevant, 2)).toBe(1);
    expect(recallAtK(retrieved, relevant, 1)).toBe(0);
    expect(recallAtK(retrieved, relevant, 2)).toBeCloseTo(1 / 3, 12);
    expect(recallAtK(retrieved, relevant, 5)).toBeCloseTo(2 / 3, 12);
    expect(recallAtK(retrieved, relevant, 50)).toBeCloseTo(2 / 3, 12);
  });

  it('count a repeated id once', () => {
    expect(recallAtK(['d2', 'd2', 'd4'], ['d2', 'd4'], 2)).toBe(0.5);
  });
});

describe('reciprocalRank', () => {
  it('is 1 / rank of the first relevant id, within k when given', () => {
    expect(reciprocalRank(retrieved, relevant)).toBe(0.5);
    expect(reciprocalRank(retrieved, ['d5'])).toBe(0.2);
    expect(reciprocalRank(retrieved, relevant, 1)).toBe(0);
    expect(reciprocalRank(retrieved, ['zz'])).toBe(0);
    expect(reciprocalRank([], ['zz'])).toBe(0);
  });
});

describe('ndcgAtK', () => {
  it('matches the hand-computed value', () => {
    // DCG@5 = 1/log2(3) + 1/log2(5); IDCG@5 (3 relevant) = 1 + 1/log2(3) + 1/2
    const dcg = 0.6309297535714574 + 0.43067655807339306;
    const idcg = 1 + 0.6309297535714574 + 0.5;
    expect(ndcgAtK(retrieved, relevant, 5)).toBeCloseTo(dcg / idcg, 12);
    // @2: DCG = 1/log2(3), IDCG = 1 + 1/log2(3)
    expect(ndcgAtK(retrieved, relevant, 2)).toBeCloseTo(0.6309297535714574 / 1.6309297535714573, 12);
  });

  it('is 1 for an ideal ranking and 0 without hits', () => {
    expect(ndcgAtK(['d2', 'd4', 'x'], ['d4', 'd2'], 3)).toBe(1);
    expect(ndcgAtK(['d2', 'd4'], ['d4', 'd2', 'd9'], 2)).toBe(1);
    expect(ndcgAtK(['x', 'y'], ['d4'], 2)).toBe(0);
  });

  it('gives no gain to a repeated id', () => {
    // DCG = 1 + 1/log2(4) = 1.5, IDCG@3 with 2 relevant = 1 + 1/log2(3)
    expect(ndcgAtK(['d2', 'd2', 'd4'], ['d2', 'd4'], 3)).toBeCloseTo(1.5 / 1.6309297535714573, 12);
  });
});

describe('argument checks', () => {
  it('rejects an empty relevant set and a bad k', () => {
    expect(() => hitAtK(retrieved, [], 3)).toThrow(RangeError);
    expect(() => ndcgAtK(retrieved, new Set<string>(), 3)).toThrow(RangeError);
    expect(() => recallAtK(retrieved, relevant, 0)).toThrow(RangeError);
    expect(() => hitAtK(retrieved, relevant, 1.5)).toThrow(RangeError);
  });
});

describe('answer spans', () => {
  const spans = [
    { documentId: 'A', start: 100, end: 200 },
    { documentId: 'A', start: 500, end: 600 },
  ];
  const chunks = [
    { id: 'c1', documentId: 'A', start: 0, end: 100 }, // touches [100, 200) but shares no character
    { id: 'c2', documentId: 'A', start: 150, end: 300 }, // 50 shared characters
    { id: 'c3', documentId: 'B', start: 100, end: 200 }, // other document
    { id: 'c4', documentId: 'A', start: 590, end: 595 }, // 5 shared characters with the second span
    { id: 'c2', documentId: 'A', start: 150, end: 300 },
  ];

  it('marks the retrieved items that overlap a span, in retrieved order', () => {
    expect(relevantBySpanOverlap(chunks, spans)).toEqual(['c2', 'c4']);
    expect(relevantBySpanOverlap(chunks, spans, { minOverlapChars: 10 })).toEqual(['c2']);
    expect(relevantBySpanOverlap(chunks, [])).toEqual([]);
  });

  it('feeds the ranked metrics', () => {
    const ids = chunks.map((c) => c.id);
    expect(reciprocalRank(ids, relevantBySpanOverlap(chunks, spans))).toBe(0.5);
  });

  it('measures span coverage within k', () => {
    expect(spanRecallAtK(chunks, spans, 1)).toBe(0);
    expect(spanRecallAtK(chunks, spans, 3)).toBe(0.5);
    expect(spanRecallAtK(chunks, spans, 4)).toBe(1);
    expect(spanRecallAtK(chunks, spans, 4, { minOverlapChars: 10 })).toBe(0.5);
    expect(() => spanRecallAtK(chunks, [], 4)).toThrow(RangeError);
  });
});
