import type { Filter, Scalar } from '../../core/filter.js';
import { cosineSimilarity } from '../../core/mmr.js';
import { reciprocalRankFusion } from '../../core/rank-fusion.js';
import { analyze } from '../../core/text-analyzer.js';
import {
  type ChunkMetadata,
  type ChunkRecord,
  type CollectionRef,
  CollectionVersionError,
  MetadataTypeError,
  type ScoredChunk,
  type VectorQuery,
  type VectorStore,
} from '../../ports/vector-store.js';

type FieldType = 'string' | 'number' | 'boolean';

interface StoredChunk {
  chunk: ChunkRecord;
  /** Analyzed term frequencies and token count, computed once at write time. */
  terms: Map<string, number>;
  length: number;
}

/** The chunks of one version; never mutated once committed (writes copy), so snapshots are cheap to keep. */
type Chunks = ReadonlyMap<string, StoredChunk>;

interface Collection {
  dimensions: number | null;
  chunks: Chunks;
  fieldTypes: Map<string, FieldType>;
  version: number;
  /** Every version still readable: the last KEEP_RECENT_VERSIONS and the retained ones. */
  snapshots: Map<number, Chunks>;
  retained: ReadonlySet<string>;
}

/** Unretained versions stay readable this many writes back (LanceDB keeps them for days). */
const KEEP_RECENT_VERSIONS = 8;

const BM25_K1 = 1.2;
const BM25_B = 0.75;
const DEFAULT_FUSION = { k: 60, denseWeight: 1, lexicalWeight: 1 };

/**
 * Brute-force in-memory VectorStore (exact cosine, BM25 over the shared analyzer), for tests. Old
 * versions are readable while they are among the last few or retained.
 */
export function createMemoryVectorStore(): VectorStore {
  const collections = new Map<string, Collection>();
  const keyOf = (ref: CollectionRef) => JSON.stringify([ref.tenantId, ref.key]);

  const get = (ref: CollectionRef): Collection => {
    const c = collections.get(keyOf(ref));
    if (!c) throw new Error(`collection ${ref.tenantId}/${ref.key} does not exist`);
    return c;
  };

  const snapshot = (ref: CollectionRef, c: Collection, version: string): Chunks => {
    const chunks = /^(0|[1-9][0-9]{0,15})$/.test(version) ? c.snapshots.get(Number(version)) : undefined;
    if (!chunks) {
      throw new CollectionVersionError(
        version,
        'not-found',
        `collection ${ref.tenantId}/${ref.key} has no version ${version} (never written, or no longer kept)`,
      );
    }
    return chunks;
  };

  const commit = (c: Collection, chunks: Chunks): void => {
    c.chunks = chunks;
    c.version++;
    c.snapshots.set(c.version, chunks);
    prune(c);
  };

  const prune = (c: Collection): void => {
    for (const version of c.snapshots.keys()) {
      if (version <= c.version - KEEP_RECENT_VERSIONS && !c.retained.has(String(version))) {
        c.snapshots.delete(version);
      }
    }
  };

  const dense = (
    c: { dimensions: number | null; chunks: Chunks },
    vector: number[],
    filter: Filter | undefined,
    limit: number,
  ): ScoredChunk[] => {
    if (c.dimensions === null) throw new Error('dense query on a lexical-only collection');
    checkVector(vector, c.dimensions, 'query vector');
    const hits: ScoredChunk[] = [];
    for (const s of c.chunks.values()) {
      if (filter && !matches(filter, s.chunk.metadata)) continue;
      hits.push({ ...s.chunk, score: cosineSimilarity(vector, s.chunk.vector as number[]) });
    }
    return hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, limit);
  };

  const lexical = (
    c: { chunks: Chunks },
    text: string,
    filter: Filter | undefined,
    limit: number,
  ): ScoredChunk[] => {
    const queryTerms = [...new Set(analyze(text))];
    if (queryTerms.length === 0 || c.chunks.size === 0) return [];
    const n = c.chunks.size;
    let totalLength = 0;
    const df = new Map<string, number>(queryTerms.map((t) => [t, 0]));
    for (const s of c.chunks.values()) {
      totalLength += s.length;
      for (const t of queryTerms) if (s.terms.has(t)) df.set(t, (df.get(t) as number) + 1);
    }
    const avgLength = totalLength / n || 1;
    const hits: ScoredChunk[] = [];
    for (const s of c.chunks.values()) {
      let score = 0;
      for (const t of queryTerms) {
        const tf = s.terms.get(t);
        if (!tf) continue;
        const d = df.get(t) as number;
        const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
        score += (idf * tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * s.length) / avgLength));
      }
      if (score <= 0 || (filter && !matches(filter, s.chunk.metadata))) continue;
      hits.push({ ...s.chunk, score });
    }
    return hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, limit);
  };

  return {
    kind: 'memory',

    async ensureCollection(ref) {
      const existing = collections.get(keyOf(ref));
      if (existing) {
        if (existing.dimensions !== ref.dimensions) {
          throw new Error(
            `collection ${ref.key} has dimensions ${existing.dimensions}, not ${ref.dimensions}`,
          );
        }
        return;
      }
      const empty: Chunks = new Map();
      collections.set(keyOf(ref), {
        dimensions: ref.dimensions,
        chunks: empty,
        fieldTypes: new Map(),
        version: 0,
        snapshots: new Map([[0, empty]]),
        retained: new Set(),
      });
    },

    async dropCollection(ref) {
      collections.delete(keyOf(ref));
    },

    async replaceDocuments(ref, documentIds, chunks) {
      const c = get(ref);
      const docs = new Set(documentIds);
      const newTypes = new Map(c.fieldTypes);
      for (const chunk of chunks) {
        if (!docs.has(chunk.documentId)) {
          throw new Error(`chunk ${chunk.id} belongs to ${chunk.documentId}, which is not being replaced`);
        }
        if (c.dimensions === null) {
          if (chunk.vector !== undefined)
            throw new Error(`chunk ${chunk.id} has a vector; the collection is lexical-only`);
        } else {
          checkVector(chunk.vector, c.dimensions, `chunk ${chunk.id} vector`);
        }
        checkMetadataTypes(chunk.metadata, newTypes);
      }
      // Everything is validated before the first mutation, so a failure leaves the old chunks.
      const next = new Map(c.chunks);
      for (const [id, s] of next) if (docs.has(s.chunk.documentId)) next.delete(id);
      for (const chunk of chunks) next.set(chunk.id, toStored(chunk));
      c.fieldTypes = newTypes;
      commit(c, next);
    },

    async deleteDocuments(ref, documentIds) {
      const c = get(ref);
      const docs = new Set(documentIds);
      const next = new Map(c.chunks);
      for (const [id, s] of next) if (docs.has(s.chunk.documentId)) next.delete(id);
      if (next.size < c.chunks.size) commit(c, next);
    },

    async query(ref, query: VectorQuery) {
      const stored = get(ref);
      const c = {
        dimensions: stored.dimensions,
        chunks: query.version === undefined ? stored.chunks : snapshot(ref, stored, query.version),
      };
      let hits: ScoredChunk[];
      if (query.mode === 'dense') {
        hits = dense(c, requireVector(query), query.filter, query.topK);
      } else if (query.mode === 'lexical') {
        hits = lexical(c, requireText(query), query.filter, query.topK);
      } else {
        const depth = Math.max(query.topK * 2, 50);
        const fusion = query.fusion ?? DEFAULT_FUSION;
        const fused = reciprocalRankFusion(
          [
            { items: dense(c, requireVector(query), query.filter, depth), weight: fusion.denseWeight },
            { items: lexical(c, requireText(query), query.filter, depth), weight: fusion.lexicalWeight },
          ],
          { k: fusion.k, key: (h) => h.id, limit: query.topK },
        );
        hits = fused.map(({ item, score }) => ({ ...item, score }));
      }
      return hits.map((h) => copyHit(h, query.includeVectors === true));
    },

    async countChunks(ref) {
      return get(ref).chunks.size;
    },

    async currentVersion(ref) {
      return String(get(ref).version);
    },

    async retainVersions(ref, versions) {
      const c = get(ref);
      for (const version of versions) snapshot(ref, c, version);
      c.retained = new Set(versions);
      prune(c);
    },
  };
}

function toStored(chunk: ChunkRecord): StoredChunk {
  const tokens = analyze(chunk.text);
  const terms = new Map<string, number>();
  for (const t of tokens) terms.set(t, (terms.get(t) ?? 0) + 1);
  const copy: ChunkRecord = {
    ...chunk,
    metadata: { ...chunk.metadata },
    headingPath: [...chunk.headingPath],
    ...(chunk.vector ? { vector: [...chunk.vector] } : {}),
  };
  return { chunk: copy, terms, length: tokens.length };
}

function copyHit(hit: ScoredChunk, includeVector: boolean): ScoredChunk {
  const { vector, ...rest } = hit;
  return {
    ...rest,
    metadata: { ...rest.metadata },
    headingPath: [...rest.headingPath],
    ...(includeVector && vector ? { vector: [...vector] } : {}),
  };
}

function requireVector(q: VectorQuery): number[] {
  if (!q.vector) throw new Error(`${q.mode} query needs a vector`);
  return q.vector;
}

function requireText(q: VectorQuery): string {
  if (q.text === undefined) throw new Error(`${q.mode} query needs text`);
  return q.text;
}

function checkVector(vector: number[] | undefined, dimensions: number, what: string): void {
  if (!vector || vector.length !== dimensions) {
    throw new Error(`${what} must have ${dimensions} dimensions, got ${vector?.length ?? 'none'}`);
  }
}

function checkMetadataTypes(metadata: ChunkMetadata, types: Map<string, FieldType>): void {
  for (const [field, value] of Object.entries(metadata)) {
    const type = typeof value as FieldType;
    const known = types.get(field);
    if (known === undefined) types.set(field, type);
    else if (known !== type) {
      throw new MetadataTypeError(field, `metadata field "${field}" is stored as ${known}, got ${type}`);
    }
  }
}

/** Filter semantics shared by every adapter: see vector-store.contract.ts. */
function matches(filter: Filter, metadata: ChunkMetadata): boolean {
  switch (filter.op) {
    case 'and':
      return filter.filters.every((f) => matches(f, metadata));
    case 'or':
      return filter.filters.some((f) => matches(f, metadata));
    case 'not':
      return !matches(filter.filter, metadata);
    case 'eq':
      return equals(metadata[filter.field], filter.value);
    case 'ne':
      return !equals(metadata[filter.field], filter.value);
    case 'in':
      return filter.values.some((v) => equals(metadata[filter.field], v));
    case 'range': {
      const v = metadata[filter.field];
      if (typeof v !== 'number') return false;
      return (
        (filter.gt === undefined || v > filter.gt) &&
        (filter.gte === undefined || v >= filter.gte) &&
        (filter.lt === undefined || v < filter.lt) &&
        (filter.lte === undefined || v <= filter.lte)
      );
    }
  }
}

function equals(stored: Scalar | undefined, value: Scalar): boolean {
  return stored !== undefined && stored === value;
}
