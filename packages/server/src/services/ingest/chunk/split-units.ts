import type { TokenCounter } from '../../../core/token-count.js';
import { trimRange } from '../extract/trim-range.js';

/** A trimmed span of the text and its token count (including the whitespace before it). */
export interface Unit {
  start: number;
  end: number;
  tokens: number;
}

/** Ends a sentence: terminal punctuation with closing quotes or brackets, then space; CJK stops; a newline. */
const SENTENCE_BOUNDARY = /[.!?…]+[)"'\]”’»]*\s+|[。！？]+[)"'\]”’»]*\s*|\n\s*/g;
const WORD = /\S+/g;

function spans(
  text: string,
  start: number,
  end: number,
  pattern: RegExp,
  boundary: boolean,
): [number, number][] {
  const region = text.slice(start, end);
  const out: [number, number][] = [];
  const push = (a: number, b: number) => {
    const [s, e] = trimRange(text, start + a, start + b);
    if (s < e) out.push([s, e]);
  };
  let from = 0;
  for (const match of region.matchAll(pattern)) {
    const matchEnd = match.index + match[0].length;
    if (boundary) {
      push(from, matchEnd);
      from = matchEnd;
    } else {
      push(match.index, matchEnd);
    }
  }
  if (boundary) push(from, region.length);
  return out;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Cuts one whitespace-free run into pieces of at most maxTokens each (a last resort: URLs, base64). */
function hardSplit(
  text: string,
  start: number,
  end: number,
  tokens: number,
  maxTokens: number,
  count: TokenCounter,
) {
  const out: Unit[] = [];
  let width = Math.max(1, Math.floor(((end - start) * maxTokens) / Math.max(tokens, 1)));
  let at = start;
  while (at < end) {
    let cut = Math.min(end, at + width);
    if (cut < end && cut > at + 1 && isLowSurrogate(text.charCodeAt(cut))) cut--;
    const pieceTokens = count(text.slice(at, cut));
    if (pieceTokens > maxTokens && cut - at > 1) {
      width = Math.max(1, Math.floor(width / 2));
      continue;
    }
    out.push({ start: at, end: cut, tokens: pieceTokens });
    at = cut;
  }
  return out;
}

/**
 * Splits text[start, end) into units of at most maxTokens each where possible: sentences (and
 * lines), then words for a sentence that is too long, then fixed-width pieces for a word that is.
 * Each character is counted about once, so this stays linear in the range's length.
 */
export function splitUnits(
  text: string,
  start: number,
  end: number,
  maxTokens: number,
  count: TokenCounter,
): Unit[] {
  const units: Unit[] = [];
  let previousEnd = start;
  const add = (s: number, e: number, tokens?: number) => {
    units.push({ start: s, end: e, tokens: tokens ?? count(text.slice(previousEnd, e)) });
    previousEnd = e;
  };
  for (const [s, e] of spans(text, start, end, SENTENCE_BOUNDARY, true)) {
    const tokens = count(text.slice(previousEnd, e));
    if (tokens <= maxTokens) {
      add(s, e, tokens);
      continue;
    }
    for (const [ws, we] of spans(text, s, e, WORD, false)) {
      const wordTokens = count(text.slice(previousEnd, we));
      if (wordTokens <= maxTokens) {
        add(ws, we, wordTokens);
        continue;
      }
      const gapTokens = count(text.slice(previousEnd, ws));
      for (const [n, piece] of hardSplit(text, ws, we, wordTokens, maxTokens, count).entries()) {
        add(piece.start, piece.end, piece.tokens + (n === 0 ? gapTokens : 0));
      }
    }
  }
  return units;
}
