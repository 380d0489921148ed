import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../packages/server/src/app.js';
import { silentLogger } from '../../packages/server/src/ports/logger.js';
import { buildNodeDeps } from '../../packages/server/src/runtime/build-node-deps.js';
import { parseConfig } from '../../packages/server/src/runtime/config.js';
import { type RunningServer, startNodeServer } from '../../packages/server/src/runtime/node.js';
import { writeTinyEmbeddingModel } from '../../packages/server/src/testing/tiny-embedding-model.js';

export const ADMIN_KEY = 'test-admin-key-0123456789';
export const TINY_MODEL = 'ragline-test/tiny-embedder';
export const TINY_DIMENSIONS = 32;

export interface TestEnvOptions {
  /** Extra environment, e.g. RAGLINE_EMBEDDERS or limits. */
  env?: Record<string, string>;
  /** Skip writing the local model, to test the offline-without-model path. */
  withoutModel?: boolean;
}

/** A data dir with the generated tiny ONNX model in the models cache, and the env to use it offline. */
export async function createTestEnv(options: TestEnvOptions = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'ragline-test-'));
  if (!options.withoutModel) {
    await writeTinyEmbeddingModel(join(dataDir, 'models', TINY_MODEL), { dimensions: TINY_DIMENSIONS });
  }
  const env: Record<string, string> = {
    RAGLINE_DATA_DIR: dataDir,
    RAGLINE_ADMIN_KEY: ADMIN_KEY,
    RAGLINE_EMBEDDING_MODEL: TINY_MODEL,
    RAGLINE_ALLOW_REMOTE_MODELS: 'false',
    RAGLINE_LOG_LEVEL: 'error',
    PORT: '0',
    ...options.env,
  };
  return { dataDir, env, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}

/** The real app on real embedded stores, called in process through `app.request`. */
export async function createInProcessServer(options: TestEnvOptions = {}) {
  const testEnv = await createTestEnv(options);
  const deps = await buildNodeDeps(parseConfig(testEnv.env), silentLogger);
  const { bootstrapAdminKey } = await import('../../packages/server/src/services/keys/create-api-key.js');
  await bootstrapAdminKey(deps, ADMIN_KEY);
  const app = createApp(deps);
  const fetch = (input: RequestInfo | URL, init?: RequestInit) =>
    Promise.resolve(app.fetch(new Request(input, init)));
  return {
    app,
    deps,
    fetch,
    baseURL: 'http://ragline.test',
    dataDir: testEnv.dataDir,
    async close() {
      await deps.costs?.close();
      await deps.vectors.close?.();
      await deps.metadata.close();
      await testEnv.cleanup();
    },
  };
}

/** The real server listening on a random local port. */
export async function startSocketServer(
  options: TestEnvOptions = {},
): Promise<RunningServer & { dataDir: string }> {
  const testEnv = await createTestEnv(options);
  const server = await startNodeServer({ env: testEnv.env });
  return {
    ...server,
    dataDir: testEnv.dataDir,
    async close() {
      await server.close();
      await testEnv.cleanup();
    },
  };
}
