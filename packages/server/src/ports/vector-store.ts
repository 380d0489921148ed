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
