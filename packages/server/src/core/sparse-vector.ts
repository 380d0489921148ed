import { analyze } from './text-analyzer.js';

/** A sparse vector as Qdrant stores it: parallel arrays, indices unique and ascending. */
export interface SparseVector {
  indices: number[];
  values: number[];
}

export interface Bm25Options {
  /** Term-frequency saturation. */
  k1?: number;
  /** Length normalisation strength (0 = none, 1 = full). */
  b?: number;
  /**
   * Assumed average document length in analyzed terms. Qdrant's `modifier: "idf"` computes the IDF
   * factor server-side from the collection, but it does not know document lengths, so the length
   * normalisation has to use a fixed average. 128 terms is about what a default ~1,000-character chunk
   * yields after stop-word removal; being off by a factor of two only shifts scores slightly.
   */
  avgDocLength?: number;
}

export const BM25_DEFAULTS: Required<Bm25Options> = { k1: 1.2, b: 0.75, avgDocLength: 128 };

const encoder = new TextEncoder();

/**
 * Stable term -> sparse dimension: 32-bit FNV-1a over the term's UTF-8 bytes. Stable across processes
 * and versions (it is persisted in the index), so never change it without re-indexing. Collisions
 * (~1 in 4 billion per pair) merely merge two terms.
 */
export function termIndex(term: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(term)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function toSparse(weights: Map<number, number>): SparseVector {
  const indices = [...weights.keys()].sort((a, b) => a - b);
  return { indices, values: indices.map((i) => weights.get(i) ?? 0) };
}

/**
 * The document side of BM25: per term `tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))`.
 * Multiplied by Qdrant's IDF (from `modifier: "idf"`) and a query weight of 1 per term, the dot
 * product is the classic BM25 score.
 */
export function documentSparseVector(text: string, options: Bm25Options = {}): SparseVector {
  const { k1, b, avgDocLength } = { ...BM25_DEFAULTS, ...options };
  const terms = analyze(text);
  const tf = new Map<number, number>();
  for (const term of terms) {
    const index = termIndex(term);
    tf.set(index, (tf.get(index) ?? 0) + 1);
  }
  const norm = k1 * (1 - b + (b * terms.length) / avgDocLength);
  const weights = new Map<number, number>();
  for (const [index, f] of tf) weights.set(index, (f * (k1 + 1)) / (f + norm));
  return toSparse(weights);
}

/** The query side: weight 1 per unique analyzed term (the IDF comes from the server). */
export function querySparseVector(text: string): SparseVector {
  const weights = new Map<number, number>();
  for (const term of analyze(text)) weights.set(termIndex(term), 1);
  return toSparse(weights);
}
