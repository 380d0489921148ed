import { countTokens as estimateTokens, type TokenCounter } from '../../../core/token-count.js';
import type { ExtractedDocument, Section } from '../extract/extracted-document.js';
import { trimRange } from '../extract/trim-range.js';
import { splitUnits, type Unit } from './split-units.js';

/** A retrievable piece of a document: always `doc.text.slice(start, end) === text`. */
export interface Chunk {
  /** 0-based position in the document. */
  index: number;
  text: string;
  start: number;
  end: number;
  /** The headings the chunk sits under (those of its first section). */
  headingPath: string[];
  /** Page of the chunk's first section (PDF only). */
  page?: number;
  /** Token count by the counter used (an estimate unless a real tokenizer was plugged in). */
  tokens: number;
}

export interface ChunkOptions {
  /** Upper bound on a chunk's tokens. 256-512 suits most embedders; the server default is in deps.ts. */
  maxTokens: number;
  /** Tokens repeated between consecutive pieces of one section too long for a chunk; ~15% of maxTokens. */
  overlapTokens: number;
  /** Defaults to the cl100k-like estimator; pass the embedder's tokenizer when it has one. */
  countTokens?: TokenCounter;
}

/** The chunk being packed, and the run of headings at its end (moved to the next chunk on overflow). */
interface OpenChunk {
  start: number;
  end: number;
  tokens: number;
  headingPath: string[];
  page: number | undefined;
  tail: { start: number; tokens: number; endBefore: number; tokensBefore: number; section: Section } | null;
}

/**
 * Cuts an extracted document into chunks of at most `maxTokens` (as counted by `countTokens`):
 * whole sections are packed greedily in order; a heading at or above the level of the heading in
 * effect (a sibling or a parent) closes the open chunk, while deeper headings pack into it; a
 * heading left at the end of a full chunk moves to the next one; a section
 * longer than `maxTokens` gets chunks of its own, split at sentence (or line) boundaries, then
 * words, with `overlapTokens` of overlap between them. Chunks never start or end with whitespace.
 * Every section is counted once (plus the gap before it), so the cost is linear in the text.
 */
export function chunkDocument(doc: ExtractedDocument, options: ChunkOptions): Chunk[] {
  const { maxTokens, overlapTokens } = options;
  if (!Number.isInteger(maxTokens) || maxTokens < 1)
    throw new RangeError('maxTokens must be a positive integer');
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens >= maxTokens) {
    throw new RangeError('overlapTokens must be an integer from 0 to below maxTokens');
  }
  const count = options.countTokens ?? estimateTokens;
  const { text } = doc;
  const chunks: Chunk[] = [];

  const emit = (
    start: number,
    end: number,
    headingPath: string[],
    page: number | undefined,
    tokens: number,
  ) => {
    const [s, e] = trimRange(text, start, end);
    if (s === e) return;
    const chunk: Chunk = {
      index: chunks.length,
      text: text.slice(s, e),
      start: s,
      end: e,
      headingPath,
      tokens,
    };
    if (page !== undefined) chunk.page = page;
    chunks.push(chunk);
  };

  const open = (section: Section, start: number, end: number, tokens: number): OpenChunk => ({
    start,
    end,
    tokens,
    headingPath: section.headingPath,
    page: section.page,
    tail: section.kind === 'heading' ? { start, tokens, endBefore: start, tokensBefore: 0, section } : null,
  });

  const emitLong = (start: number, end: number, headingPath: string[], page: number | undefined) => {
    packWithOverlap(
      splitUnits(text, start, end, maxTokens, count),
      maxTokens,
      overlapTokens,
      (first, last, tokens) => emit(first.start, last.end, headingPath, page, tokens),
    );
  };

  const sections: Section[] =
    doc.sections.length > 0 ? doc.sections : [{ start: 0, end: text.length, kind: 'other', headingPath: [] }];

  let current: OpenChunk | null = null;
  let levelInEffect = Number.POSITIVE_INFINITY;
  let lastEnd = 0;

  for (const section of sections) {
    const from = Math.max(lastEnd, Math.min(section.start, text.length));
    const [start, end] = trimRange(text, from, Math.min(section.end, text.length));
    if (start >= end) continue;
    lastEnd = end;

    const isHeading = section.kind === 'heading';
    if (isHeading) {
      const level = headingLevel(section);
      if (current && level <= levelInEffect) {
        emit(current.start, current.end, current.headingPath, current.page, current.tokens);
        current = null;
      }
      levelInEffect = level;
    }

    const tokens = count(text.slice(start, end));
    if (current) {
      const gap = count(text.slice(current.end, start));
      if (current.tokens + gap + tokens <= maxTokens) {
        if (isHeading && !current.tail) {
          current.tail = {
            start,
            tokens,
            endBefore: current.end,
            tokensBefore: current.tokens,
            section,
          };
        } else if (isHeading && current.tail) {
          current.tail.tokens += gap + tokens;
        } else {
          current.tail = null;
        }
        current.end = end;
        current.tokens += gap + tokens;
        continue;
      }
      // Full. Trailing headings move on with the content they introduce, when it fits with them.
      const tail = current.tail;
      if (tail && (tokens > maxTokens || tail.tokens + gap + tokens <= maxTokens)) {
        if (tail.start > current.start) {
          emit(current.start, tail.endBefore, current.headingPath, current.page, tail.tokensBefore);
        }
        if (tokens > maxTokens) {
          emitLong(tail.start, end, tail.section.headingPath, tail.section.page);
          current = null;
          continue;
        }
        const carried = open(tail.section, tail.start, current.end, tail.tokens);
        carried.end = end;
        carried.tokens += gap + tokens;
        if (carried.tail && isHeading) carried.tail.tokens += gap + tokens;
        else carried.tail = null;
        current = carried;
        continue;
      }
      emit(current.start, current.end, current.headingPath, current.page, current.tokens);
      current = null;
    }

    if (tokens > maxTokens) emitLong(start, end, section.headingPath, section.page);
    else current = open(section, start, end, tokens);
  }
  if (current) emit(current.start, current.end, current.headingPath, current.page, current.tokens);
  return chunks;
}

function headingLevel(section: Section): number {
  return section.level ?? Math.max(1, section.headingPath.length);
}

/**
 * Packs units greedily into pieces of at most maxTokens; each next piece starts with the previous
 * piece's last units worth at most overlapTokens, always leaving room for at least one new unit.
 */
function packWithOverlap(
  units: Unit[],
  maxTokens: number,
  overlapTokens: number,
  onPiece: (first: Unit, last: Unit, tokens: number) => void,
): void {
  let i = 0;
  while (i < units.length) {
    let j = i;
    let sum = 0;
    while (j < units.length && (j === i || sum + (units[j] as Unit).tokens <= maxTokens)) {
      sum += (units[j] as Unit).tokens;
      j++;
    }
    onPiece(units[i] as Unit, units[j - 1] as Unit, sum);
    if (j >= units.length) return;
    const next = (units[j] as Unit).tokens;
    let k = j;
    let overlap = 0;
    while (k - 1 > i) {
      const unitTokens = (units[k - 1] as Unit).tokens;
      if (overlap + unitTokens > overlapTokens || overlap + unitTokens + next > maxTokens) break;
      overlap += unitTokens;
      k--;
    }
    i = k;
  }
}
