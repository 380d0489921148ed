/** Counts the tokens a model would see for `text`. Plug an embedder's real tokenizer in here. */
export type TokenCounter = (text: string) => number;

const LETTER = 1;
const DIGIT = 2;
const SPACE = 3;
const PUNCT = 4;
const NONE = 0;

const LETTER_OR_MARK = /[\p{L}\p{M}]/u;
const NUMBER = /\p{N}/u;
const WHITESPACE = /\s/u;

/** Character class of each UTF-16 code unit, filled lazily (0 = not classified yet). */
const classes = new Uint8Array(65536);
for (let c = 0; c < 128; c++) {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) classes[c] = LETTER;
  else if (c >= 48 && c <= 57) classes[c] = DIGIT;
  else if (c === 32 || (c >= 9 && c <= 13)) classes[c] = SPACE;
  else classes[c] = PUNCT;
}

function classifyCodePoint(cp: number): number {
  const ch = String.fromCodePoint(cp);
  if (LETTER_OR_MARK.test(ch)) return LETTER;
  if (NUMBER.test(ch)) return DIGIT;
  if (WHITESPACE.test(ch)) return SPACE;
  return PUNCT;
}

function classAt(text: string, i: number): number {
  const code = text.charCodeAt(i);
  let cls = classes[code] as number;
  if (cls !== 0) return cls;
  if (code >= 0xd800 && code <= 0xdbff) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff)
      return classifyCodePoint(((code - 0xd800) << 10) + (low - 0xdc00) + 0x10000);
  }
  if (code >= 0xd800 && code <= 0xdfff) return PUNCT; // lone surrogate; never cached
  cls = classifyCodePoint(code);
  classes[code] = cls;
  return cls;
}

/** Tokens for one ASCII word piece: BPE vocabularies hold most English words whole, longer ones split. */
function asciiPieceTokens(length: number): number {
  return length <= 9 ? 1 : 1 + ((length - 6) >> 2);
}

/**
 * Estimates the token count of `text` as a cl100k-style BPE tokenizer would produce it, in one pass
 * without a vocabulary. It follows cl100k's pre-tokenizer (letters, digits in groups of three,
 * punctuation runs, whitespace runs; a single space joins the next word or punctuation; newlines
 * after punctuation join it) and then guesses how BPE splits each piece: ASCII words are split at
 * camelCase humps and cost one token up to 9 letters, one more per 4 letters after that; CJK, kana
 * and Hangul cost a token per character; other scripts one per 2-3 characters; punctuation runs one
 * per 2 characters. Deterministic, and additive over whitespace boundaries, so a sum of parts is
 * close to the count of the whole.
 */
export function countTokens(text: string): number {
  const n = text.length;
  let tokens = 0;
  let prev = NONE;
  let i = 0;
  while (i < n) {
    const cls = classAt(text, i);
    if (cls === LETTER) {
      let asciiPiece = 0;
      let prevLower = false;
      let latin = 0;
      let complex = 0;
      while (i < n) {
        const code = text.charCodeAt(i);
        if (code < 128) {
          if (classes[code] !== LETTER) break;
          const upper = code <= 90;
          if (upper && prevLower) {
            tokens += asciiPieceTokens(asciiPiece);
            asciiPiece = 0;
          }
          asciiPiece++;
          prevLower = !upper;
          i++;
          continue;
        }
        if (classAt(text, i) !== LETTER) break;
        prevLower = false;
        if (code >= 0xd800 && code <= 0xdbff) {
          tokens++; // astral letters: CJK extensions and the like
          i += 2;
          continue;
        }
        if (code >= 0x2e80) tokens++;
        else if (code < 0x0530) latin++;
        else complex++;
        i++;
      }
      if (asciiPiece > 0) tokens += asciiPieceTokens(asciiPiece);
      tokens += Math.ceil(latin / 3) + Math.ceil(complex / 2);
      prev = LETTER;
    } else if (cls === DIGIT) {
      let digits = 0;
      while (i < n && classAt(text, i) === DIGIT) {
        digits++;
        i++;
      }
      tokens += Math.ceil(digits / 3);
      prev = DIGIT;
    } else if (cls === SPACE) {
      const start = i;
      let lastNewline = -1;
      while (i < n && classAt(text, i) === SPACE) {
        const code = text.charCodeAt(i);
        if (code === 10 || code === 13) lastNewline = i;
        i++;
      }
      const next = i < n ? classAt(text, i) : NONE;
      let tail = i - start;
      if (lastNewline >= 0) {
        const first = text.charCodeAt(start);
        const newlineJoinsPunct = prev === PUNCT && (first === 10 || first === 13);
        if (!newlineJoinsPunct) tokens++;
        tail = i - lastNewline - 1;
      }
      if (tail > 0 && (next === LETTER || next === PUNCT)) tail--;
      if (tail > 0) tokens++;
      prev = SPACE;
    } else {
      let length = 0;
      while (i < n && classAt(text, i) === PUNCT) {
        const code = text.charCodeAt(i);
        const width = code >= 0xd800 && code <= 0xdbff ? 2 : 1;
        length++;
        i += width;
      }
      const next = i < n ? classAt(text, i) : NONE;
      // cl100k's word pattern takes one leading non-space character: "(a", ".get", "_name".
      const joinsWord = length === 1 && prev !== SPACE && next === LETTER;
      if (!joinsWord) tokens += Math.ceil(length / 2);
      prev = PUNCT;
    }
  }
  return tokens;
}
