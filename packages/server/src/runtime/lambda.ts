import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { createApp } from '../app.js';
import type { AppDeps } from '../deps.js';
import { configRouteVersions } from '../services/gateway/config-route-versions.js';
import { bootstrapAdminKey } from '../services/keys/create-api-key.js';
import { applyConfigPrices } from '../services/pricing/sync-config-prices.js';
import { buildNodeDeps } from './build-node-deps.js';
import { parseConfig } from './config.js';

/**
 * AWS Lambda entry (API Gateway HTTP API, REST API, function URLs, ALB), through `hono/aws-lambda`.
 * The same Node dependencies as `ragline serve`, built once per execution environment on the first
 * invocation: point RAGLINE_DATABASE_URL at a remote libSQL server and RAGLINE_VECTOR_STORE=qdrant at
 * Qdrant for state that outlives the environment (the default data dir is /tmp/ragline). Because the
 * process freezes between invocations, each metered call's usage record is written before its
 * response ends, and no background timers are relied on. Set RAGLINE_ADMIN_KEY: there is no disk to
 * hand a generated key over.
 */
export function createLambdaApp(env: Record<string, string | undefined> = process.env): {
  app: Hono;
  deps: () => Promise<AppDeps>;
} {
  let ready: Promise<{ app: Hono; deps: AppDeps }> | undefined;
  const init = async () => {
    const config = parseConfig({ RAGLINE_DATA_DIR: '/tmp/ragline', ...env });
    const deps = await buildNodeDeps(config, undefined, { flushEachCall: true });
    await configRouteVersions(deps);
    await applyConfigPrices(
      { prices: deps.metadata.prices, clock: deps.clock, logger: deps.logger, catalog: deps.costs?.prices },
      config.prices,
    );
    if (config.adminKey) await bootstrapAdminKey(deps, config.adminKey);
    return { app: createApp(deps), deps };
  };
  const started = () => {
    ready ??= init().catch((error: unknown) => {
      ready = undefined; // the next invocation tries again
      throw error;
    });
    return ready;
  };
  const outer = new Hono();
  outer.all('*', async (c) => (await started()).app.fetch(c.req.raw));
  // A configuration or store failure at start: the same error envelope as the app's, and a retry later.
  outer.onError((error, c) => {
    const requestId = `req_${crypto.randomUUID().replaceAll('-', '')}`;
    c.header('x-request-id', requestId);
    const message = error instanceof Error ? error.message : String(error);
    return c.json(
      { error: { code: 'INTERNAL', message: `the server could not start: ${message}`, requestId } },
      503,
    );
  });
  return { app: outer, deps: async () => (await started()).deps };
}

/** The Lambda handler: `packages/server/dist/runtime/lambda.handler`. */
export const handler = handle(createLambdaApp().app);
