/**
 * Ranked-retrieval metrics with binary relevance. `retrieved` is the ranked list of ids (best first);
 * `relevant` is the set of ids that count as correct. An id repeated in `retrieved` counts only at its first
 * position, so no metric can exceed 1. All functions throw a `RangeError` when `relevant` is empty (the metrics
 * are undefined there: leave such cases out) or when `k` is not a positive integer.
 */

/** 1 when at least one relevant id is among the first k retrieved, else 0. */
export function hitAtK(retrieved: readonly string[], relevant: Iterable<string>, k: number): number {
  return relevantRanks(retrieved, toRelevantSet(relevant), k).length > 0 ? 1 : 0;
}

/** (number of distinct relevant ids among the first k retrieved) / (number of relevant ids). */
export function recallAtK(retrieved: readonly string[], relevant: Iterable<string>, k: number): number {
  const relevantSet = toRelevantSet(relevant);
  return relevantRanks(retrieved, relevantSet, k).length / relevantSet.size;
}

/**
 * Reciprocal rank: 1 / (1-based rank of the first relevant id), 0 when none is retrieved (within the first k
 * when k is given). MRR is the mean of this value over cases.
 */
export function reciprocalRank(retrieved: readonly string[], relevant: Iterable<string>, k?: number): number {
  const first = relevantRanks(retrieved, toRelevantSet(relevant), k ?? Math.max(retrieved.length, 1))[0];
  return first === undefined ? 0 : 1 / first;
}

/**
 * nDCG@k with binary gains and a log2 discount: DCG@k = sum over the 1-based ranks r <= k holding a relevant id
 * of 1 / log2(r + 1); the ideal IDCG@k = sum for r = 1 .. min(k, |relevant|) of 1 / log2(r + 1);
 * nDCG@k = DCG@k / IDCG@k.
 */
export function ndcgAtK(retrieved: readonly string[], relevant: Iterable<string>, k: number): number {
  const relevantSet = toRelevantSet(relevant);
  const dcg = relevantRanks(retrieved, relevantSet, k).reduce((sum, rank) => sum + discount(rank), 0);
  let idcg = 0;
  for (let rank = 1; rank <= Math.min(k, relevantSet.size); rank++) idcg += discount(rank);
  return dcg / idcg;
}

/** A character range `[start, end)` of a document that holds (part of) the expected answer. */
export interface AnswerSpan {
  documentId: string;
  start: number;
  end: number;
}

/** A retrieved item (a chunk) with the character range `[start, end)` of its document that it covers. */
export interface RetrievedSpan {
  id: string;
  documentId: string;
  start: number;
  end: number;
}

export interface SpanOverlapOptions {
  /** Least number of shared characters for an overlap to count. Default 1. */
  minOverlapChars?: number;
}

/**
 * The ids of the retrieved items that overlap at least one expected answer span: same `documentId` and
 * min(end) - max(start) >= `minOverlapChars` (default 1). Keeps the order of `retrieved`, without repeats.
 * Use the result as the `relevant` set of the metrics above; it only holds ids that were retrieved, so
 * recall@k and nDCG@k then measure the ranking of what was found, not coverage — for coverage use
 * {@link spanRecallAtK}.
 */
export function relevantBySpanOverlap(
  retrieved: readonly RetrievedSpan[],
  spans: readonly AnswerSpan[],
  options: SpanOverlapOptions = {},
): string[] {
  const minOverlap = options.minOverlapChars ?? 1;
  const ids = retrieved
    .filter((item) => spans.some((span) => overlapChars(item, span) >= minOverlap))
    .map((item) => item.id);
  return [...new Set(ids)];
}

/**
 * Span recall@k: (number of expected spans overlapped, as in {@link relevantBySpanOverlap}, by at least one of
 * the first k retrieved items) / (number of expected spans). Throws a `RangeError` when `spans` is empty.
 */
export function spanRecallAtK(
  retrieved: readonly RetrievedSpan[],
  spans: readonly AnswerSpan[],
  k: number,
  options: SpanOverlapOptions = {},
): number {
  assertK(k);
  if (spans.length === 0) throw new RangeError('spans must not be empty');
  const minOverlap = options.minOverlapChars ?? 1;
  const top = retrieved.slice(0, k);
  const covered = spans.filter((span) => top.some((item) => overlapChars(item, span) >= minOverlap));
  return covered.length / spans.length;
}

function overlapChars(item: RetrievedSpan, span: AnswerSpan): number {
  if (item.documentId !== span.documentId) return 0;
  return Math.min(item.end, span.end) - Math.max(item.start, span.start);
}

function discount(rank: number): number {
  return 1 / Math.log2(rank + 1);
}

function toRelevantSet(relevant: Iterable<string>): Set<string> {
  const set = new Set(relevant);
  if (set.size === 0) throw new RangeError('relevant must hold at least one id');
  return set;
}

function assertK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
}

/** 1-based ranks (ascending) within the first k at which a relevant id first appears. */
function relevantRanks(retrieved: readonly string[], relevant: ReadonlySet<string>, k: number): number[] {
  assertK(k);
  const seen = new Set<string>();
  const ranks: number[] = [];
  retrieved.slice(0, k).forEach((id, index) => {
    if (relevant.has(id) && !seen.has(id)) ranks.push(index + 1);
    seen.add(id);
  });
  return ranks;
}
