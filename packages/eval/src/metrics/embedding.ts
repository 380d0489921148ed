/**
 * Cosine similarity of two vectors of the same length, in [-1, 1]; 0 when either is all zeros (an
 * embedding of nothing is similar to nothing).
 */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length)
    throw new RangeError(`cosine similarity of vectors of different lengths (${a.length} and ${b.length})`);
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  if (normA === 0 || normB === 0) return 0;
  // rounding can push identical directions a hair past 1
  return Math.max(-1, Math.min(1, dot / Math.sqrt(normA * normB)));
}
