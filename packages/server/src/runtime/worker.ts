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
import { configRouteVersions } from '../services/gateway/config-route-versions.js';
import { createGateway } from '../services/gateway/gateway.js';
import { type BackgroundTasks, createOnDemandScraping } from '../services/gateway/health-on-demand.js';
import { bootstrapAdminKey } from '../services/keys/create-api-key.js';
import { createCostServices } from '../services/metering/cost-services.js';
import type { ParsedPriceBook } from '../services/pricing/price-book-input.js';
import { applyConfigPrices } from '../services/pricing/sync-config-prices.js';
import { ConfigError, parseConfig } from './config.js';
import { SERVER_VERSION } from './version.js';

/** Worker bindings: plain-text vars and secrets, the same names as the Node environment. */
export type WorkerEnv = Record<string, unknown>;

/**
 * Cloudflare Workers entry. The Worker has no disk, so the control plane is a remote libSQL
 * database over HTTP and the data plane is Qdrant; embedders are HTTP ones (the local ONNX model
 * needs Node). Nothing talks to the network until the first /v1 request, which runs pending
 * migrations and versions the config file's routes (ADR 0006) once per isolate. A missing setting
 * answers 503 on /v1, but /health always works.
 */
export default {
  fetch(request: Request, env: WorkerEnv, ctx: unknown): Response | Promise<Response> {
    worker ??= buildWorkerApp(env);
    const tasks = ctx as Partial<BackgroundTasks> | undefined;
    if (typeof tasks?.waitUntil === 'function') worker.onRequest(request, tasks as BackgroundTasks);
    return worker.app.fetch(request, env, ctx as never);
  },
};

export interface WorkerApp {
  app: Hono;
  /**
   * Background work a request calls for, handed to the request's `waitUntil` (Workers run no timers):
   * gateway calls refresh stale health signals of pool replicas (createOnDemandScraping).
   */
  onRequest(request: Request, tasks: BackgroundTasks): void;
}

let worker: WorkerApp | undefined;

const PRICE_RELOAD_MS = 30_000;

export function buildWorkerApp(env: WorkerEnv): WorkerApp {
  const vars = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  let deps: AppDeps;
  let configPrices: ParsedPriceBook | null;
  try {
    ({ deps, configPrices } = buildWorkerDeps(vars));
  } catch (err) {
    return {
      app: unconfiguredApp(err instanceof ConfigError ? err.message : String(err)),
      onRequest() {},
    };
  }
  let ready: Promise<void> | undefined;
  deps.ready = () => {
    ready ??= (async () => {
      await deps.metadata.migrate();
      // No timers between requests on Workers: prices reload on requests (onRequest), records are
      // written before each metered request ends.
      deps.costs ??= await createCostServices({
        metadata: deps.metadata,
        logger: deps.logger,
        clock: deps.clock,
        priceRefreshMs: 0,
        flushEachCall: true,
      });
      await configRouteVersions(deps);
      await applyConfigPrices(
        { prices: deps.metadata.prices, clock: deps.clock, logger: deps.logger, catalog: deps.costs?.prices },
        configPrices,
      );
      if (vars.RAGLINE_ADMIN_KEY) await bootstrapAdminKey(deps, vars.RAGLINE_ADMIN_KEY);
    })().catch((err) => {
      ready = undefined;
      throw err;
    });
    return ready;
  };
  const { gateway } = deps;
  const scrape = gateway ? createOnDemandScraping(gateway.config, gateway.scraper) : () => {};
  let pricesLoadedAt = Date.now();
  return {
    app: createApp(deps),
    onRequest(request, tasks) {
      scrape(request, tasks);
      // Other instances' price changes arrive within PRICE_RELOAD_MS of a request.
      if (deps.costs && Date.now() - pricesLoadedAt > PRICE_RELOAD_MS) {
        pricesLoadedAt = Date.now();
        tasks.waitUntil(deps.costs.prices.reload().catch(() => {}));
      }
    },
  };
}

const REQUIRED_ON_WORKERS = {
  RAGLINE_DATABASE_URL: 'required on Workers (a libsql:// or https:// URL)',
  QDRANT_URL: 'required on Workers',
};

function buildWorkerDeps(vars: Record<string, string>): {
  deps: AppDeps;
  configPrices: ParsedPriceBook | null;
} {
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
  const logger = createJsonLogger(config.logLevel);
  const deps: AppDeps = {
    metadata: createLibsqlMetadataStore({ client }),
    vectors: createQdrantVectorStore({
      url: config.qdrant.url,
      ...(config.qdrant.apiKey ? { apiKey: config.qdrant.apiKey } : {}),
      checkCompatibility: false,
    }),
    embedders,
    clock: systemClock,
    ids: randomIds,
    logger,
    limits: config.limits,
    chunking: config.chunking,
    version: SERVER_VERSION,
    writeLocks: createKeyedMutex(),
    // The logger reports failing health scrapes (once per target until it recovers).
    gateway: createGateway(config.gateway, { logger }),
  };
  return { deps, configPrices: config.prices };
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
