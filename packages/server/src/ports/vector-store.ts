import type { Filter } from '../core/filter.js';

export type MetadataValue = string | number | boolean;
export type ChunkMetadata = Record<string, MetadataValue>;

/** Where a collection's chunks live. `key` is stable and unique across tenants (it names tables). */
export interface CollectionRef {
  tenantId: string;
  /** Internal collection id (not the user-facing name), safe for table names: [a-z0-9_]. */
  key: string;
  /** Vector dimension, or null for a lexical-only collection. */
  dimensions: number | null;
}

export interface ChunkRecord {
  /** Unique within the collection; by convention `${documentId}#${chunkIndex}`. */
  id: string;
  documentId: string;
  chunkIndex: number;
  text: string;
  /** Present iff the collection has dimensions. */
  vector?: number[];
  /** User metadata of the document (scalar values), copied onto each chunk for filtering. */
  metadata: ChunkMetadata;
  headingPath: string[];
  /** Character offsets into the document's extracted text: text === docText.slice(start, end). */
  start: number;
  end: number;
}

export interface VectorQuery {
  mode: 'dense' | 'lexical' | 'hybrid';
  /** Required for dense and hybrid. */
  vector?: number[];
  /** Required for lexical and hybrid. */
  text?: string;
  topK: number;
  filter?: Filter;
  /** Reciprocal rank fusion settings for hybrid. */
  fusion?: { k: number; denseWeight: number; lexicalWeight: number };
  /** Return each hit's vector (needed for MMR). */
  includeVectors?: boolean;
  /**
   * A version `currentVersion` returned: answer from the collection as it was then (releases pin one).
   * Absent: the current contents. A version the store cannot read rejects with CollectionVersionError.
   */
  version?: string;
}

export interface ScoredChunk extends ChunkRecord {
  score: number;
}

export interface VectorStore {
  readonly kind: string;
  /** Creates the collection's storage if it does not exist. Idempotent. */
  ensureCollection(ref: CollectionRef): Promise<void>;
  dropCollection(ref: CollectionRef): Promise<void>;
  /**
   * Atomically replaces all chunks of the given documents with `chunks`: readers see either the
   * old chunks or the new ones, never a mix; on failure the old chunks stay. Documents listed in
   * `documentIds` with no chunks in `chunks` end up with none.
   */
  replaceDocuments(ref: CollectionRef, documentIds: string[], chunks: ChunkRecord[]): Promise<void>;
  deleteDocuments(ref: CollectionRef, documentIds: string[]): Promise<void>;
  query(ref: CollectionRef, query: VectorQuery): Promise<ScoredChunk[]>;
  countChunks(ref: CollectionRef): Promise<number>;
  /** An opaque version of the collection's current contents, for releases to pin later. */
  currentVersion(ref: CollectionRef): Promise<string>;
  /**
   * The versions of the collection that must outlive index upkeep's cleanup (those releases pin): the
   * whole set, replacing the one given before. Other old versions may be cleaned up. Rejects with
   * CollectionVersionError when a version to keep is already gone.
   */
  retainVersions(ref: CollectionRef, versions: readonly string[]): Promise<void>;
  close?(): Promise<void>;
}

/** A metadata value's type clashes with the type the collection already stores for that field. */
export class MetadataTypeError extends Error {
  override readonly name = 'MetadataTypeError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A query named a collection version the store cannot answer from: `not-found` (never existed, or
 * cleaned up), or `unsupported` (the collection changed since and the store kept no copy: Qdrant keeps
 * only versions frozen through retainVersions).
 */
export class CollectionVersionError extends Error {
  override readonly name = 'CollectionVersionError';
  constructor(
    readonly version: string,
    readonly reason: 'not-found' | 'unsupported',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
