export { createApp } from './app.js';
export { ApiError } from './core/api-error.js';
export type { AppDeps, ChunkingSettings, IngestLimits } from './deps.js';
export { defaultChunking, defaultLimits } from './deps.js';
export type { Embedder } from './ports/embedder.js';
export type { MetadataStore } from './ports/metadata-store.js';
export type { VectorStore } from './ports/vector-store.js';
