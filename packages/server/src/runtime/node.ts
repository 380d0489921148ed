import { chmod, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from '../app.js';
import type { AppDeps } from '../deps.js';
import { configRouteVersions } from '../services/gateway/config-route-versions.js';
import { bootstrapAdminKey, createApiKey } from '../services/keys/create-api-key.js';
import { applyConfigPrices } from '../services/pricing/sync-config-prices.js';
import { buildNodeDeps } from './build-node-deps.js';
import { parseConfig } from './config.js';

export interface StartNodeServerOptions {
  port?: number;
  dataDir?: string;
  host?: string;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
}

export interface RunningServer {
  url: string;
  port: number;
  deps: AppDeps;
  /** The generated admin key file (made on the first start without RAGLINE_ADMIN_KEY), when it exists. */
  generatedAdminKeyFile: string | null;
  close(): Promise<void>;
}

export const ADMIN_KEY_FILE = 'admin.key';
const SHUTDOWN_GRACE_MS = 10_000;

/** Starts the API on Node with all state under the data dir (libSQL file + LanceDB directory). */
export async function startNodeServer(options: StartNodeServerOptions = {}): Promise<RunningServer> {
  const env = { ...(options.env ?? process.env) };
  if (options.port !== undefined) env.PORT = String(options.port);
  if (options.dataDir !== undefined) env.RAGLINE_DATA_DIR = options.dataDir;
  if (options.host !== undefined) env.HOST = options.host;
  const config = parseConfig(env);
  const deps = await buildNodeDeps(config);
  // Versions the config file's routes in the store (ADR 0006) before serving; requests then read them from memory.
  await configRouteVersions(deps);
  await applyConfigPrices(
    { prices: deps.metadata.prices, clock: deps.clock, logger: deps.logger, catalog: deps.costs?.prices },
    config.prices,
  );
  const generatedAdminKeyFile = await ensureAdminKey(deps, config.adminKey, resolve(config.dataDir));

  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host });
  await new Promise<void>((ready, fail) => {
    server.once('listening', ready);
    server.once('error', fail);
  });
  const { port } = server.address() as AddressInfo;
  deps.gateway?.scraper.start();
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  deps.logger.info('ragline listening', {
    url,
    dataDir: resolve(config.dataDir),
    vectorStore: deps.vectors.kind,
  });

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    deps,
    generatedAdminKeyFile,
    close() {
      closing ??= (async () => {
        deps.gateway?.scraper.stop();
        // Stop accepting, drop idle keep-alive sockets, and give in-flight requests (long streams
        // included) a grace period before cutting them, so a SIGTERM always ends the process.
        const closed = new Promise<void>((done) => server.close(() => done()));
        const http = server as unknown as { closeIdleConnections?(): void; closeAllConnections?(): void };
        http.closeIdleConnections?.();
        const force = setTimeout(() => http.closeAllConnections?.(), SHUTDOWN_GRACE_MS);
        force.unref();
        await closed;
        clearTimeout(force);
        await deps.costs?.close();
        await deps.vectors.close?.();
        await deps.metadata.close();
      })();
      return closing;
    },
  };
}

/**
 * With RAGLINE_ADMIN_KEY set, that key becomes an admin of the `default` tenant. Without it, the
 * very first start makes one and writes it to <dataDir>/admin.key (owner-only), so a newcomer can
 * start with no configuration and still never runs an open server.
 */
async function ensureAdminKey(
  deps: AppDeps,
  adminKey: string | null,
  dataDir: string,
): Promise<string | null> {
  if (adminKey) {
    if ((await bootstrapAdminKey(deps, adminKey)) === 'created')
      deps.logger.info('bootstrap admin key registered');
    return null;
  }
  const file = join(dataDir, ADMIN_KEY_FILE);
  if ((await deps.metadata.apiKeys.listForTenant('default')).length > 0) {
    const exists = await readFile(file, 'utf8').then(
      () => true,
      () => false,
    );
    return exists ? file : null;
  }
  const created = await createApiKey(deps, { tenant: 'default', name: 'generated admin', admin: true });
  await writeFile(file, `${created.key}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  deps.logger.info('generated an admin key (set RAGLINE_ADMIN_KEY to choose your own)', { file });
  return file;
}
