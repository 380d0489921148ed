/** Overlap scores between a predicted answer and a reference answer. */

export interface OverlapScore {
  precision: number;
  recall: number;
  f1: number;
}

const ARTICLES = /\b(a|an|the)\b/g;
// A superset of SQuAD's ASCII `string.punctuation`: every Unicode punctuation (P*) and symbol (S*) character.
const PUNCTUATION = /[\p{P}\p{S}]/gu;

/**
 * SQuAD answer normalisation: lowercase, delete punctuation and symbol characters (Unicode categories P and S),
 * delete the whole words `a`, `an`, `the`, then split on whitespace. Returns the tokens.
 */
export function normalizeAnswerTokens(text: string): string[] {
  return text.toLowerCase().replace(PUNCTUATION, '').replace(ARTICLES, ' ').split(/\s+/).filter(Boolean);
}

/**
 * SQuAD token F1. Both texts go through {@link normalizeAnswerTokens}; `common` is the size of the multiset
 * intersection of the two token lists (a token counts min(count in prediction, count in reference) times).
 * precision = common / |prediction tokens|, recall = common / |reference tokens|,
 * f1 = 2 * precision * recall / (precision + recall), and all three are 0 when common = 0.
 * When either side has no tokens, all three are 1 if both are empty and 0 otherwise.
 */
export function tokenF1(prediction: string, reference: string): OverlapScore {
  const predicted = normalizeAnswerTokens(prediction);
  const expected = normalizeAnswerTokens(reference);
  if (predicted.length === 0 || expected.length === 0) {
    const score = predicted.length === expected.length ? 1 : 0;
    return { precision: score, recall: score, f1: score };
  }
  const remaining = new Map<string, number>();
  for (const token of expected) remaining.set(token, (remaining.get(token) ?? 0) + 1);
  let common = 0;
  for (const token of predicted) {
    const left = remaining.get(token) ?? 0;
    if (left > 0) {
      common += 1;
      remaining.set(token, left - 1);
    }
  }
  return fromCommon(common, predicted.length, expected.length);
}

/** ROUGE tokenisation: lowercase, then the maximal runs of letters and digits (everything else separates). */
export function rougeTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * ROUGE-L (sentence level). With LCS the length of the longest common subsequence of the {@link rougeTokens}
 * of the two texts: precision = LCS / |candidate tokens|, recall = LCS / |reference tokens|, and
 * F = (1 + beta^2) * P * R / (R + beta^2 * P) with beta = 1, i.e. F = 2PR / (P + R); 0 when LCS = 0.
 * When either side has no tokens, all three are 1 if both are empty and 0 otherwise.
 */
export function rougeL(candidate: string, reference: string): OverlapScore {
  const a = rougeTokens(candidate);
  const b = rougeTokens(reference);
  if (a.length === 0 || b.length === 0) {
    const score = a.length === b.length ? 1 : 0;
    return { precision: score, recall: score, f1: score };
  }
  return fromCommon(longestCommonSubsequence(a, b), a.length, b.length);
}

/** Length of the longest common subsequence of two token lists (O(|a|·|b|) time, O(|b|) memory). */
export function longestCommonSubsequence(a: readonly string[], b: readonly string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (const tokenA of a) {
    const current = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      current[j] =
        tokenA === b[j - 1] ? (previous[j - 1] ?? 0) + 1 : Math.max(previous[j] ?? 0, current[j - 1] ?? 0);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function fromCommon(common: number, predictedCount: number, expectedCount: number): OverlapScore {
  if (common === 0) return { precision: 0, recall: 0, f1: 0 };
  const precision = common / predictedCount;
  const recall = common / expectedCount;
  return { precision, recall, f1: (2 * precision * recall) / (precision + recall) };
}
