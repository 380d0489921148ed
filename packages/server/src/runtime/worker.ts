import { createClient } from '@libsql/client/web';
import { Hono } from 'hono';
import { createOpenAICompatibleEmbedder } from '../adapters/embedder/openai-compatible-embedder.js';
import { createLibsqlMetadataStore } from '../adapters/metadata-store/libsql-metadata-store.js';
import { createQdrantVectorStore } from '../adapters/vector-store/qdrant-vector-store.js';
import { createApp } from '../app.js';
import { randomIds } from '../core/ids.js';
import { createKeyedMutex } from '../core/keyed-mutex.js';
import type { AppDeps } from '../deps.js';
import { systemClock } from '../ports/clock.js';
import type { Embedder } from '../ports/embedder.js';
import { createJsonLogger } from '../ports/logger.js';
import { createGateway } from '../services/gateway/gateway.js';
import { bootstrapAdminKey } from '../services/keys/create-api-key.js';
import { ConfigError, parseConfig } from './config.js';
import { SERVER_VERSION } from './version.js';

/** Worker bindings: plain-text vars and secrets, the same names as the Node environment. */
export type WorkerEnv = Record<string, unknown>;

/**
 * Cloudflare Workers entry. The Worker has no disk, so the control plane is a remote libSQL
 * database over HTTP and the data plane is Qdrant; embedders are HTTP ones (the local ONNX model
 * needs Node). Nothing talks to the network until the first /v1 request, which runs pending
 * migrations once per isolate. A missing setting answers 503 on /v1, but /health always works.
 */
export default {
  fetch(request: Request, env: WorkerEnv, ctx: unknown): Response | Promise<Response> {
    app ??= buildWorkerApp(env);
    return app.fetch(request, env, ctx as never);
  },
};

let app: Hono | undefined;

export function buildWorkerApp(env: WorkerEnv): Hono {
  const vars = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  let deps: AppDeps;
  try {
    deps = buildWorkerDeps(vars);
  } catch (err) {
    return unconfiguredApp(err instanceof ConfigError ? err.message : String(err));
  }
  let ready: Promise<void> | undefined;
  deps.ready = () => {
    ready ??= (async () => {
      await deps.metadata.migrate();
      if (vars.RAGLINE_ADMIN_KEY) await bootstrapAdminKey(deps, vars.RAGLINE_ADMIN_KEY);
    })().catch((err) => {
      ready = undefined;
      throw err;
    });
    return ready;
  };
  return createApp(deps);
}

const REQUIRED_ON_WORKERS = {
  RAGLINE_DATABASE_URL: 'required on Workers (a libsql:// or https:// URL)',
  QDRANT_URL: 'required on Workers',
};

function buildWorkerDeps(vars: Record<string, string>): AppDeps {
  const missing = Object.entries(REQUIRED_ON_WORKERS).filter(([name]) => !vars[name]);
  if (missing.length > 0) {
    throw new ConfigError(
      `invalid configuration:\n${missing.map(([name, why]) => `  ${name}: ${why}`).join('\n')}`,
    );
  }
  const config = parseConfig({ RAGLINE_VECTOR_STORE: 'qdrant', ...vars });
  if (!config.databaseUrl || !config.qdrant) throw new ConfigError('invalid configuration');
  const client = createClient({
    url: config.databaseUrl,
    ...(config.databaseAuthToken ? { authToken: config.databaseAuthToken } : {}),
  });
  const embedders = new Map<string, Embedder>();
  for (const setting of config.embedders) {
    if (setting.kind !== 'openai-compatible') {
      throw new ConfigError(
        `invalid configuration:\n  RAGLINE_EMBEDDERS: "${setting.name}" is a ${setting.kind} embedder; Workers support openai-compatible ones`,
      );
    }
    embedders.set(setting.name, createOpenAICompatibleEmbedder(setting));
  }
  return {
    metadata: createLibsqlMetadataStore({ client }),
    vectors: createQdrantVectorStore({
      url: config.qdrant.url,
      ...(config.qdrant.apiKey ? { apiKey: config.qdrant.apiKey } : {}),
      checkCompatibility: false,
    }),
    embedders,
    clock: systemClock,
    ids: randomIds,
    logger: createJsonLogger(config.logLevel),
    limits: config.limits,
    chunking: config.chunking,
    version: SERVER_VERSION,
    writeLocks: createKeyedMutex(),
    gateway: createGateway(config.gateway),
  };
}

function unconfiguredApp(message: string): Hono {
  const fallback = new Hono();
  fallback.get('/health', (c) =>
    c.json({ status: 'ok' as const, version: SERVER_VERSION, configured: false }),
  );
  fallback.all('*', (c) => {
    const requestId = `req_${crypto.randomUUID().replaceAll('-', '')}`;
    c.header('x-request-id', requestId);
    return c.json(
      { error: { code: 'INTERNAL', message: `this Worker is not configured: ${message}`, requestId } },
      503,
    );
  });
  return fallback;
}
