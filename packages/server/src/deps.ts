import type { Ids } from './core/ids.js';
import type { KeyedMutex } from './core/keyed-mutex.js';
import type { Clock } from './ports/clock.js';
import type { Embedder } from './ports/embedder.js';
import type { Logger } from './ports/logger.js';
import type { MetadataStore } from './ports/metadata-store.js';
import type { VectorStore } from './ports/vector-store.js';
import type { Gateway } from './services/gateway/gateway.js';
import type { CostServices } from './services/metering/cost-services.js';

export interface IngestLimits {
  /** Largest single document, in bytes of its text or decoded content. */
  maxDocumentBytes: number;
  /** Largest request body, in bytes. */
  maxBatchBytes: number;
  maxBatchDocuments: number;
}

export interface ChunkingSettings {
  maxTokens: number;
  overlapTokens: number;
}

/** Everything the app needs, built once per runtime (Node, Worker, Lambda) and injected. */
export interface AppDeps {
  metadata: MetadataStore;
  vectors: VectorStore;
  /** Configured embedders by name. */
  embedders: ReadonlyMap<string, Embedder>;
  clock: Clock;
  ids: Ids;
  logger: Logger;
  limits: IngestLimits;
  chunking: ChunkingSettings;
  version: string;
  /**
   * Serialises the write phase of changes to one collection in this process, so a document's chunks
   * and its hash row are always written by the same request (see services/ingest).
   */
  writeLocks: KeyedMutex;
  /** The model gateway (routes, router, metrics); absent means no routes are configured. */
  gateway?: Gateway;
  /** Prices, the ledger writer, budgets and rate limits; absent means nothing is metered. */
  costs?: CostServices;
  /** Awaited before every /v1 request; runtimes that connect lazily (Workers) migrate here. */
  ready?: () => Promise<void>;
}

export const defaultLimits: IngestLimits = {
  maxDocumentBytes: 10 * 1024 * 1024,
  maxBatchBytes: 50 * 1024 * 1024,
  maxBatchDocuments: 1000,
};

export const defaultChunking: ChunkingSettings = { maxTokens: 384, overlapTokens: 48 };
