import type { QueryResult } from '@ragline/sdk/contracts';
import { describe, expect, it } from 'vitest';
import { countTokens } from '../../core/token-count.js';
import { dedupePassages, formatPassage, packContext } from './pack-context.js';

const TEXT =
  'Ragline ingests folders of documents. Releases pin a prompt, a model and a collection version. ' +
  'Answers cite the passages they use. Budgets stop spending before it happens. ' +
  'Extractive answers quote the best passages when no model is configured.';

let seq = 0;
/** A passage of TEXT (or another document's text) with real offsets. */
function passage(documentId: string, start: number, end: number, score: number, text = TEXT): QueryResult {
  return {
    chunkId: `${documentId}#${seq++}`,
    documentId,
    text: text.slice(start, end),
    score,
    metadata: {},
    headingPath: [],
    start,
    end,
  };
}

describe('dedupePassages', () => {
  it('keeps the higher-scoring of two overlapping spans of one document', () => {
    const low = passage('doc', 0, 60, 0.2);
    const high = passage('doc', 40, 120, 0.9);
    expect(dedupePassages([low, high])).toEqual([high]);
  });

  it('keeps adjacent spans ([start, end) is half-open) and the same span of other documents', () => {
    const a = passage('doc', 0, 40, 0.5);
    const b = passage('doc', 40, 80, 0.4);
    const other = passage('other', 0, 40, 0.3);
    expect(dedupePassages([b, other, a])).toEqual([a, b, other]);
  });

  it('drops a repeated chunk and an identical span, and orders by score with ties in retrieval order', () => {
    const a = passage('doc', 10, 30, 0.7);
    const again = { ...a };
    const same = passage('doc', 10, 30, 0.1);
    const tieFirst = passage('x', 0, 5, 0.5);
    const tieSecond = passage('y', 0, 5, 0.5);
    expect(dedupePassages([tieFirst, a, again, same, tieSecond])).toEqual([a, tieFirst, tieSecond]);
  });
});

describe('packContext', () => {
  const passages = [
    passage('a', 0, 37, 0.9),
    passage('b', 0, 95, 0.8),
    passage('c', 96, 173, 0.7),
    passage('d', 0, 50, 0.6),
  ];

  it('numbers the passages from 1 under their document id, best first', () => {
    const packed = packContext([...passages].reverse(), 10_000, countTokens);
    expect(packed.passages.map((p) => [p.ref, p.passage.documentId])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
      [4, 'd'],
    ]);
    expect(packed.text).toContain(`[1] (document: a)\n${TEXT.slice(0, 37).trim()}`);
    expect(packed.text.indexOf('[2] (document: b)')).toBeGreaterThan(packed.text.indexOf('[1]'));
    // Per-passage counts add up to at least the count of the whole (a conservative estimate).
    expect(packed.tokens).toBe(packed.passages.reduce((sum, p) => sum + p.tokens, 0));
    expect(packed.tokens).toBeGreaterThanOrEqual(countTokens(packed.text));
  });

  it('stops at the budget: never over it, and a lower passage never jumps a longer better one', () => {
    const all = packContext(passages, 10_000, countTokens);
    for (let budget = 0; budget <= all.tokens; budget++) {
      const packed = packContext(passages, budget, countTokens);
      expect(packed.tokens).toBeLessThanOrEqual(budget);
      expect(countTokens(packed.text)).toBeLessThanOrEqual(budget);
      // A prefix of the best-first order.
      expect(packed.passages.map((p) => p.passage.documentId)).toEqual(
        ['a', 'b', 'c', 'd'].slice(0, packed.passages.length),
      );
      expect(packed.dropped.overBudget).toBe(4 - packed.passages.length);
    }
    const [first, second] = all.passages;
    expect(first?.tokens).toBe(countTokens(formatPassage(1, passages[0] as QueryResult)));
    const firstTwo = (first?.tokens ?? 0) + (second?.tokens ?? 0);
    expect(packContext(passages, firstTwo, countTokens).passages).toHaveLength(2);
    expect(packContext(passages, firstTwo - 1, countTokens).passages).toHaveLength(1);
  });

  it('counts duplicates it dropped and packs what is left', () => {
    const overlapping = passage('b', 50, 120, 0.75);
    const packed = packContext([...passages, overlapping], 10_000, countTokens);
    expect(packed.dropped).toEqual({ duplicates: 1, overBudget: 0 });
    expect(packed.passages.map((p) => p.passage.chunkId)).not.toContain(overlapping.chunkId);
  });

  it('packs nothing into a zero budget', () => {
    const packed = packContext(passages, 0, countTokens);
    expect(packed.passages).toEqual([]);
    expect(packed.text).toBe('');
  });
});
