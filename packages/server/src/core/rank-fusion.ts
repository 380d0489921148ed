export interface RankedList<T> {
  /** Best first. */
  items: T[];
  weight: number;
}

export interface RankFusionOptions<T> {
  /** Smoothing constant; 60 in the original paper. */
  k: number;
  /** Identifies the same item across lists. */
  key: (item: T) => string;
  limit: number;
}

export interface FusedItem<T> {
  /** The item as it appeared in the first list that contained it. */
  item: T;
  score: number;
}

/**
 * Weighted reciprocal rank fusion: score(d) = sum over lists of weight / (k + rank), rank 1-based.
 * An item repeated inside one list counts at its best rank only. Ties go to the item with the better
 * best rank, then to the one seen first.
 */
export function reciprocalRankFusion<T>(
  lists: RankedList<T>[],
  options: RankFusionOptions<T>,
): FusedItem<T>[] {
  const fused = new Map<string, { item: T; score: number; bestRank: number; order: number }>();
  for (const list of lists) {
    const seen = new Set<string>();
    list.items.forEach((item, index) => {
      const id = options.key(item);
      if (seen.has(id)) return;
      seen.add(id);
      const rank = index + 1;
      const contribution = list.weight / (options.k + rank);
      const entry = fused.get(id);
      if (entry) {
        entry.score += contribution;
        entry.bestRank = Math.min(entry.bestRank, rank);
      } else {
        fused.set(id, { item, score: contribution, bestRank: rank, order: fused.size });
      }
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.bestRank - b.bestRank || a.order - b.order)
    .slice(0, Math.max(0, options.limit))
    .map(({ item, score }) => ({ item, score }));
}
