import { stemmer } from 'stemmer';

/**
 * English stop words dropped before stemming: Lucene's classic English set plus frequent pronouns and
 * auxiliaries. Kept short, because every word listed here can never be searched for.
 */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be but by for if in into is it no not of on or such that the their then there ' +
    'these they this to was will with been being did do does had has have he her him his i its me my ' +
    'our she so than them those us we were what when where which who whom why you your'
  ).split(' '),
);

/** Letters that NFKD does not decompose into base letter + combining mark. */
const SPECIAL_FOLDS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ŋ: 'n',
  ħ: 'h',
};
const SPECIAL_FOLD_RE = new RegExp(`[${Object.keys(SPECIAL_FOLDS).join('')}]`, 'g');
const COMBINING_MARKS = /\p{M}+/gu;
const TOKEN = /[\p{L}\p{N}]+/gu;

/** Lowercases and folds accented Latin letters to ASCII ("Crème Brûlée" -> "creme brulee"). */
export function foldText(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .replace(SPECIAL_FOLD_RE, (ch) => SPECIAL_FOLDS[ch] ?? ch);
}

/**
 * The lexical analyzer shared by every store that does its own term matching: lowercase, ASCII-fold,
 * split into letter/digit runs, drop English stop words, Porter-stem. Order and duplicates are kept
 * (callers count term frequencies).
 */
export function analyze(text: string): string[] {
  const out: string[] = [];
  for (const match of foldText(text).matchAll(TOKEN)) {
    const token = match[0];
    if (ENGLISH_STOP_WORDS.has(token)) continue;
    out.push(/^[a-z]+$/.test(token) ? stemmer(token) : token);
  }
  return out;
}
