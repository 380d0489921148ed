import { mulberry32, type Rng } from './random.js';

const ONSETS = [
  'b',
  'd',
  'f',
  'g',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  't',
  'v',
  'z',
  'br',
  'dr',
  'kl',
  'st',
  'tr',
];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou'];
const CODAS = ['', '', '', 'n', 'r', 'l', 'x', 'm'];

/**
 * A Zipf-distributed vocabulary of pronounceable pseudo-words (no English stop words, so the full-text
 * analyzer keeps them): word of rank r is drawn with probability proportional to 1 / r^exponent.
 */
export function createZipfVocabulary(size: number, exponent = 1.07, seed = 7) {
  const rng = mulberry32(seed);
  const words: string[] = [];
  const seen = new Set<string>();
  while (words.length < size) {
    const syllables = 2 + Math.floor(rng() * 3);
    let w = '';
    for (let s = 0; s < syllables; s++) {
      w += pick(rng, ONSETS) + pick(rng, VOWELS) + (s === syllables - 1 ? pick(rng, CODAS) : '');
    }
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  const cdf = new Float64Array(size);
  let total = 0;
  for (let r = 0; r < size; r++) {
    total += 1 / (r + 1) ** exponent;
    cdf[r] = total;
  }
  for (let r = 0; r < size; r++) cdf[r] = (cdf[r] as number) / total;

  /** The rank (0 = most frequent) of a Zipf-distributed draw. */
  function sampleRank(rng: Rng): number {
    const u = rng();
    let lo = 0;
    let hi = size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  return {
    words,
    sampleRank,
    /** A sentence-cased run of `count` Zipf-drawn words ending with a period. */
    sentence(rng: Rng, count: number): string {
      const out: string[] = [];
      for (let i = 0; i < count; i++) out.push(words[sampleRank(rng)] as string);
      const first = out[0] as string;
      out[0] = first.charAt(0).toUpperCase() + first.slice(1);
      return `${out.join(' ')}.`;
    },
  };
}

export type ZipfVocabulary = ReturnType<typeof createZipfVocabulary>;

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

/** A paragraph of `sentences` sentences of 6-18 words. */
export function paragraph(vocab: ZipfVocabulary, rng: Rng, sentences: number): string {
  const out: string[] = [];
  for (let i = 0; i < sentences; i++) out.push(vocab.sentence(rng, 6 + Math.floor(rng() * 13)));
  return out.join(' ');
}

/**
 * A keyword query as users type them: 2-4 distinct words of one document, skipping its most common words
 * (rank < 50) the way informative query terms are rarer than average.
 */
export function queryFromText(vocab: ZipfVocabulary, rng: Rng, text: string): string {
  const rankOf = new Map(vocab.words.map((w, i) => [w, i]));
  const candidates = [
    ...new Set(
      text
        .toLowerCase()
        .split(/[^a-z]+/)
        .filter((w) => (rankOf.get(w) ?? 0) >= 50),
    ),
  ];
  const count = Math.min(candidates.length, 2 + Math.floor(rng() * 3));
  const chosen: string[] = [];
  while (chosen.length < count) {
    const w = candidates.splice(Math.floor(rng() * candidates.length), 1)[0] as string;
    chosen.push(w);
  }
  return chosen.length > 0 ? chosen.join(' ') : (vocab.words[100] as string);
}
