import type { AppDeps } from '../../deps.js';
import type { Logger } from '../../ports/logger.js';
import type { MetadataStore, RouteVersionRow } from '../../ports/metadata-store.js';
import type { Gateway } from './gateway.js';
import type { RouteConfig } from './gateway-config.js';
import { syncConfigRoutes } from './sync-config-routes.js';

/** A config-file route as this instance serves it, with the stored version its definition is. */
export interface ConfigRouteVersion {
  route: RouteConfig;
  row: RouteVersionRow;
}

export type ConfigRouteVersions = ReadonlyMap<string, ConfigRouteVersion>;

export type ConfigRouteDeps = Pick<AppDeps, 'metadata' | 'gateway' | 'clock'> & { logger?: Logger };

const NONE: Promise<ConfigRouteVersions> = Promise.resolve(new Map());
const synced = new WeakMap<MetadataStore, WeakMap<Gateway, Promise<ConfigRouteVersions>>>();

/**
 * The config file's routes with their stored versions. The first call per store and gateway syncs
 * the file into the store (syncConfigRoutes); later calls answer from memory, so requests never read
 * the store for a config route. Runtimes call it at startup so a store failure stops the start; a
 * failed sync is retried by the next call.
 *
 * An instance without a gateway configuration (no RAGLINE_CONFIG: no targets, pools or routes) does
 * not sync: it is no authority on the file's routes, and must not tombstone those of instances that
 * share its store and have the file.
 */
export function configRouteVersions(deps: ConfigRouteDeps): Promise<ConfigRouteVersions> {
  const gateway = deps.gateway;
  if (!gateway) return NONE;
  const { targets, pools, routes } = gateway.config;
  if (targets.length === 0 && pools.length === 0 && routes.length === 0) return NONE;
  let byGateway = synced.get(deps.metadata);
  if (!byGateway) {
    byGateway = new WeakMap();
    synced.set(deps.metadata, byGateway);
  }
  let versions = byGateway.get(gateway);
  if (!versions) {
    const cache = byGateway;
    versions = syncConfigRoutes(deps, routes).then(
      (rows) => {
        const out = new Map<string, ConfigRouteVersion>();
        for (const route of routes)
          out.set(route.name, { route, row: rows.get(route.name) as RouteVersionRow });
        return out;
      },
      (error: unknown) => {
        cache.delete(gateway);
        throw error;
      },
    );
    byGateway.set(gateway, versions);
  }
  return versions;
}
