import type { AnswerCitation } from '@ragline/sdk/contracts';
import type { PackedPassage } from './pack-context.js';

/** `[1]`, `[2, 3]`, `[1][4]`, `[2-4]`: bracketed refs as models write them. */
const BRACKETS = /\[(\s*\d+(?:\s*[-–,;]\s*\d+)*\s*)\]/g;

/**
 * The passage numbers an answer cites, in order of first mention, limited to 1..`passages` (a model
 * that invents `[9]` for 3 passages cites nothing real).
 */
export function citedRefs(answer: string, passages: number): number[] {
  const refs = new Set<number>();
  for (const match of answer.matchAll(BRACKETS)) {
    const body = match[1] ?? '';
    for (const part of body.split(/[,;]/)) {
      const range = /^\s*(\d+)\s*(?:[-–]\s*(\d+))?\s*$/.exec(part);
      if (!range) continue;
      const from = Number(range[1]);
      const to = range[2] === undefined ? from : Number(range[2]);
      // A range like [1-300] is more likely a quote than a citation; cap its expansion.
      if (to < from || to - from > passages) continue;
      for (let ref = from; ref <= to; ref++) if (ref >= 1 && ref <= passages) refs.add(ref);
    }
  }
  return [...refs];
}

/** The passages given to the model, as citations; `cited` marks the refs the answer uses. */
export function toCitations(passages: readonly PackedPassage[], cited: readonly number[]): AnswerCitation[] {
  const citedSet = new Set(cited);
  return passages.map(({ ref, passage }) => ({
    ref,
    documentId: passage.documentId,
    chunkId: passage.chunkId,
    start: passage.start,
    end: passage.end,
    text: passage.text,
    score: passage.score,
    headingPath: passage.headingPath,
    cited: citedSet.has(ref),
  }));
}
