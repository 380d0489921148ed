import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createEmbedder } from '../adapters/embedder/create-embedder.js';
import { createLibsqlMetadataStore } from '../adapters/metadata-store/libsql-metadata-store.js';
import type {
  LanceDbVectorStore,
  LanceDbVectorStoreConfig,
} from '../adapters/vector-store/lancedb-vector-store.js';
import type { QdrantVectorStoreConfig } from '../adapters/vector-store/qdrant-vector-store.js';
import { randomIds } from '../core/ids.js';
import { createKeyedMutex } from '../core/keyed-mutex.js';
import type { AppDeps } from '../deps.js';
import { systemClock } from '../ports/clock.js';
import type { Embedder } from '../ports/embedder.js';
import { createJsonLogger, type Logger } from '../ports/logger.js';
import type { VectorStore } from '../ports/vector-store.js';
import { createGateway } from '../services/gateway/gateway.js';
import { createCostServices } from '../services/metering/cost-services.js';
import type { ServerConfig } from './config.js';
import { createDownloadProgressLogger } from './download-progress.js';
import { lazyVectorStore } from './lazy-vector-store.js';
import { sharedStdioLogSink } from './node-log-sink.js';
import { loadLocalTokenizer } from './node-tokenizer-loader.js';
import { createNodeUpstreamFetch } from './node-upstream-fetch.js';
import { SERVER_VERSION } from './version.js';

/**
 * Builds the embedded-default dependencies: libSQL file + LanceDB directory under the data dir. The
 * vector store's adapter is loaded on first use (see lazy-vector-store.ts), as is the local embedding
 * model, so a gateway-only process loads neither.
 */
export interface BuildNodeDepsOptions {
  /** Write each metered call's usage record before its request ends (Lambda, whose process freezes between invocations). */
  flushEachCall?: boolean;
}

export async function buildNodeDeps(
  config: ServerConfig,
  logger?: Logger,
  options: BuildNodeDepsOptions = {},
): Promise<AppDeps> {
  const log = logger ?? createJsonLogger(config.logLevel, sharedStdioLogSink().sink);
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true });

  const metadata = createLibsqlMetadataStore(
    config.databaseUrl
      ? {
          url: config.databaseUrl,
          ...(config.databaseAuthToken ? { authToken: config.databaseAuthToken } : {}),
        }
      : { url: `file:${join(dataDir, 'ragline.db')}` },
  );
  await metadata.migrate();

  const vectors: VectorStore =
    config.vectorStore === 'qdrant' && config.qdrant
      ? lazyQdrant({
          url: config.qdrant.url,
          ...(config.qdrant.apiKey ? { apiKey: config.qdrant.apiKey } : {}),
        })
      : lazyLanceDb({
          uri: join(dataDir, 'lancedb'),
          onBackgroundError: (error) =>
            log.warn('LanceDB index maintenance failed; it is retried after the next write', {
              error: error instanceof Error ? error.message : String(error),
            }),
        });

  const cacheDir = join(dataDir, 'models');
  const onProgress = createDownloadProgressLogger(log);
  const embedders = new Map<string, Embedder>();
  embedders.set(
    'local',
    createEmbedder(
      {
        kind: 'transformers',
        name: 'local',
        model: config.localEmbedding.model,
        allowRemoteModels: config.localEmbedding.allowRemoteModels,
      },
      { cacheDir, onProgress },
    ),
  );
  for (const setting of config.embedders) {
    embedders.set(
      setting.name,
      createEmbedder(
        setting.kind === 'transformers'
          ? { ...setting, allowRemoteModels: config.localEmbedding.allowRemoteModels }
          : setting,
        { cacheDir, onProgress },
      ),
    );
  }

  const gateway = createGateway(config.gateway, {
    logger: log,
    fetch: createNodeUpstreamFetch(),
    loadTokenizer: loadLocalTokenizer,
  });
  const costs = await createCostServices({
    metadata,
    logger: log,
    clock: systemClock,
    ...(options.flushEachCall && { flushEachCall: true }),
  });

  return {
    metadata,
    vectors,
    embedders,
    clock: systemClock,
    ids: randomIds,
    logger: log,
    limits: config.limits,
    chunking: config.chunking,
    version: SERVER_VERSION,
    writeLocks: createKeyedMutex(),
    gateway,
    costs,
  };
}

/** The LanceDB store, imported on first use; `optimize` is kept for the benchmarks and tools that call it. */
function lazyLanceDb(config: LanceDbVectorStoreConfig): LanceDbVectorStore {
  const store = lazyVectorStore('lancedb', async () => {
    const { createLanceDbVectorStore } = await import('../adapters/vector-store/lancedb-vector-store.js');
    return createLanceDbVectorStore(config);
  });
  return { ...store, optimize: async (ref, options) => (await store.load()).optimize(ref, options) };
}

function lazyQdrant(config: QdrantVectorStoreConfig): VectorStore {
  return lazyVectorStore('qdrant', async () => {
    const { createQdrantVectorStore } = await import('../adapters/vector-store/qdrant-vector-store.js');
    return createQdrantVectorStore(config);
  });
}
