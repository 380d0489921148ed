export interface MmrOptions {
  /** 1 = pure relevance, 0 = pure diversity. */
  lambda: number;
  /** How many candidates to select. */
  k: number;
}

/**
 * Maximal marginal relevance (Carbonell & Goldstein 1998): greedily picks the candidate maximising
 * lambda * cos(query, c) - (1 - lambda) * max cos(c, picked). Returns the picks in order.
 */
export function maximalMarginalRelevance<T extends { vector: number[] }>(
  queryVector: number[],
  candidates: T[],
  options: MmrOptions,
): T[] {
  const relevance = candidates.map((c) => cosineSimilarity(queryVector, c.vector));
  // Highest similarity of each remaining candidate to anything picked so far.
  const redundancy = candidates.map(() => Number.NEGATIVE_INFINITY);
  const remaining = new Set(candidates.keys());
  const picked: T[] = [];
  while (picked.length < options.k && remaining.size > 0) {
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const i of remaining) {
      const penalty = picked.length === 0 ? 0 : (redundancy[i] as number);
      const score = options.lambda * (relevance[i] as number) - (1 - options.lambda) * penalty;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    const chosen = candidates[best] as T;
    picked.push(chosen);
    remaining.delete(best);
    for (const i of remaining) {
      const sim = cosineSimilarity(chosen.vector, (candidates[i] as T).vector);
      if (sim > (redundancy[i] as number)) redundancy[i] = sim;
    }
  }
  return picked;
}

export function cosineSimilarity(a: number[], b: number[]): number {
  if (a.length !== b.length) throw new RangeError(`vector lengths differ: ${a.length} vs ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
