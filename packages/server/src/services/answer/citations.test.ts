import { describe, expect, it } from 'vitest';
import { citedRefs, toCitations } from './citations.js';

describe('citedRefs', () => {
  it('reads [n], [n, m], [n][m] and ranges, in order of first mention', () => {
    expect(citedRefs('Receipts within 30 days [2]. Flights [1, 3]; meals [3][4].', 4)).toEqual([2, 1, 3, 4]);
    expect(citedRefs('See [1-3].', 5)).toEqual([1, 2, 3]);
  });

  it('ignores refs outside the passages given, and brackets that are not refs', () => {
    expect(citedRefs('As [7] says, and [0], see [a] or [1.5] or [ ].', 3)).toEqual([]);
    expect(citedRefs('no citations here', 3)).toEqual([]);
  });

  it('marks the cited passages', () => {
    const passage = (id: string) => ({
      chunkId: `${id}#0`,
      documentId: id,
      text: `text of ${id}`,
      score: 1,
      metadata: {},
      headingPath: ['H'],
      start: 3,
      end: 14,
    });
    const citations = toCitations(
      [
        { ref: 1, passage: passage('a'), tokens: 3 },
        { ref: 2, passage: passage('b'), tokens: 3 },
      ],
      [2],
    );
    expect(citations).toEqual([
      {
        ref: 1,
        documentId: 'a',
        chunkId: 'a#0',
        start: 3,
        end: 14,
        text: 'text of a',
        score: 1,
        headingPath: ['H'],
        cited: false,
      },
      {
        ref: 2,
        documentId: 'b',
        chunkId: 'b#0',
        start: 3,
        end: 14,
        text: 'text of b',
        score: 1,
        headingPath: ['H'],
        cited: true,
      },
    ]);
  });
});
