import { createApp } from '../../packages/server/src/app.js';
import type { AppDeps } from '../../packages/server/src/deps.js';
import type { Embedder } from '../../packages/server/src/ports/embedder.js';
import { silentLogger } from '../../packages/server/src/ports/logger.js';
import { buildNodeDeps } from '../../packages/server/src/runtime/build-node-deps.js';
import { parseConfig } from '../../packages/server/src/runtime/config.js';
import { bootstrapAdminKey } from '../../packages/server/src/services/keys/create-api-key.js';
import { tempDir } from './env.js';

export const BENCH_ADMIN_KEY = 'ragline-bench-admin-key-0123456789';

export interface BenchAppOptions {
  /** Extra embedders registered in deps.embedders, by name. */
  embedders?: Embedder[];
  /** Extra server environment (RAGLINE_*), over the bench defaults. */
  env?: Record<string, string>;
  /** Lets a benchmark wrap the real deps (for timers) before the app is built. */
  wrapDeps?: (deps: AppDeps) => AppDeps;
}

export interface BenchApp {
  deps: AppDeps;
  dataDir: string;
  /** One in-process HTTP call (`app.fetch(new Request(...))`) with the admin key; throws on a non-2xx. */
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

/**
 * The real app on the real embedded stores (libSQL file + LanceDB directory) in a temp data dir, as
 * `npm start` builds it, with an admin key; the data dir is removed on close.
 */
export async function startBenchApp(options: BenchAppOptions = {}): Promise<BenchApp> {
  const tmp = await tempDir('data');
  const env = {
    RAGLINE_DATA_DIR: tmp.dir,
    RAGLINE_ADMIN_KEY: BENCH_ADMIN_KEY,
    RAGLINE_ALLOW_REMOTE_MODELS: 'false',
    RAGLINE_LOG_LEVEL: 'error',
    ...options.env,
  };
  const built = await buildNodeDeps(parseConfig(env), silentLogger);
  await bootstrapAdminKey(built, BENCH_ADMIN_KEY);
  const embedders = new Map(built.embedders);
  for (const e of options.embedders ?? []) embedders.set(e.name, e);
  const deps = (options.wrapDeps ?? ((d) => d))({ ...built, embedders });
  const app = createApp(deps);

  return {
    deps,
    dataDir: tmp.dir,
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const init: RequestInit = { method, headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}` } };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      const res = await app.fetch(new Request(`http://ragline.bench${path}`, init));
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${text.slice(0, 500)}`);
      return (text === '' ? undefined : JSON.parse(text)) as T;
    },
    async close() {
      await built.vectors.close?.();
      await built.metadata.close();
      await tmp.cleanup();
    },
  };
}
