import type { QueryResult } from '@ragline/sdk/contracts';
import type { TokenCounter } from '../../core/token-count.js';

/** A retrieved passage numbered for the prompt: the model cites it as `[ref]`. */
export interface PackedPassage {
  ref: number;
  passage: QueryResult;
  /** Estimated tokens of the passage as formatted in the context (its header included). */
  tokens: number;
}

export interface PackedContext {
  passages: PackedPassage[];
  /** The `{{context}}` text: each passage under a `[n] (document: id)` header. */
  text: string;
  tokens: number;
  budget: number;
  /** Passages left out: duplicates (overlapping a better one) and those past the budget. */
  dropped: { duplicates: number; overBudget: number };
}

/**
 * Drops passages that repeat a better one: the same chunk, or a span of the same document that
 * overlaps a higher-scoring passage's [start, end) (chunking overlaps neighbours, and hybrid retrieval
 * can return both). The result is ordered by score, highest first; ties keep retrieval order.
 */
export function dedupePassages(passages: readonly QueryResult[]): QueryResult[] {
  const ranked = passages
    .map((passage, index) => ({ passage, index }))
    .sort((a, b) => b.passage.score - a.passage.score || a.index - b.index);
  const kept: QueryResult[] = [];
  const spansByDocument = new Map<string, { start: number; end: number }[]>();
  const chunkIds = new Set<string>();
  for (const { passage } of ranked) {
    if (chunkIds.has(passage.chunkId)) continue;
    const spans = spansByDocument.get(passage.documentId) ?? [];
    if (spans.some((span) => overlaps(span, passage))) continue;
    chunkIds.add(passage.chunkId);
    spans.push({ start: passage.start, end: passage.end });
    spansByDocument.set(passage.documentId, spans);
    kept.push(passage);
  }
  return kept;
}

/** Half-open spans [start, end) overlap when each starts before the other ends; equal empty spans repeat. */
function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  if (a.start === b.start && a.end === b.end) return true;
  return a.start < b.end && b.start < a.end;
}

/** The header and body of one passage in the context, e.g. `[2] (document: handbook.md)`. */
export function formatPassage(ref: number, passage: QueryResult): string {
  return `[${ref}] (document: ${passage.documentId})\n${passage.text.trim()}`;
}

const SEPARATOR = '\n\n';

/**
 * Packs the best passages into `budget` tokens: duplicates out, highest score first, numbered from 1,
 * stopping at the first passage that does not fit (a lower-scoring passage never jumps ahead of a
 * better one that was too long). Token counts are estimates from `count` (core/token-count's
 * heuristic unless a real tokenizer is plugged in); separators between passages count too.
 */
export function packContext(
  passages: readonly QueryResult[],
  budget: number,
  count: TokenCounter,
): PackedContext {
  const unique = dedupePassages(passages);
  const separatorTokens = count(SEPARATOR);
  const packed: PackedPassage[] = [];
  const texts: string[] = [];
  let used = 0;
  for (const passage of unique) {
    const ref = packed.length + 1;
    const text = formatPassage(ref, passage);
    const tokens = count(text) + (packed.length > 0 ? separatorTokens : 0);
    if (used + tokens > budget) break;
    used += tokens;
    packed.push({ ref, passage, tokens });
    texts.push(text);
  }
  return {
    passages: packed,
    text: texts.join(SEPARATOR),
    tokens: used,
    budget,
    dropped: {
      duplicates: passages.length - unique.length,
      overBudget: unique.length - packed.length,
    },
  };
}
