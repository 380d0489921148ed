/**
 * Ranking metrics with binary relevance, as trec_eval / pytrec_eval compute them (the BEIR figures).
 * `ranking` is a list of document ids, best first, without duplicates; `relevant` the judged-relevant ids.
 */

/** nDCG@k: DCG = sum over ranks i=1..k of rel_i / log2(i + 1), divided by the DCG of the ideal ranking. */
export function ndcgAtK(ranking: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let dcg = 0;
  const depth = Math.min(k, ranking.length);
  for (let i = 0; i < depth; i++) {
    if (relevant.has(ranking[i] as string)) dcg += 1 / Math.log2(i + 2);
  }
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return dcg / ideal;
}

/** Recall@k: the share of the relevant documents found in the first k. */
export function recallAtK(ranking: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let found = 0;
  for (const id of ranking.slice(0, k)) if (relevant.has(id)) found++;
  return found / relevant.size;
}

/**
 * Average precision over the whole ranking (trec_eval `map` with its default depth of 1,000): the mean,
 * over all relevant documents, of the precision at the rank where each is found (0 when never found).
 */
export function averagePrecision(ranking: readonly string[], relevant: ReadonlySet<string>): number {
  if (relevant.size === 0) return 0;
  let found = 0;
  let sum = 0;
  ranking.forEach((id, i) => {
    if (relevant.has(id)) {
      found++;
      sum += found / (i + 1);
    }
  });
  return sum / relevant.size;
}

/** Chunk hits (best first) to document ids: each document at the rank of its best chunk (its max score). */
export function documentRanking(hits: readonly { documentId: string }[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const hit of hits) {
    if (seen.has(hit.documentId)) continue;
    seen.add(hit.documentId);
    out.push(hit.documentId);
  }
  return out;
}
