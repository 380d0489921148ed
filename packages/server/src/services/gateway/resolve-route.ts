import type { AppDeps } from '../../deps.js';
import { CONFIG_ROUTE_SCOPE, type MetadataStore, type RouteVersionRow } from '../../ports/metadata-store.js';
import { assertModelAllowed, modelAllowed } from '../keys/model-patterns.js';
import { type ConfigRouteDeps, configRouteVersions } from './config-route-versions.js';
import type { RouteConfig } from './gateway-config.js';

export type RouteSource = 'config' | 'tenant';

export interface ResolvedRoute {
  /**
   * The definition to route by. Pass it to the router as `definition`: a pinned old version of a
   * config route is not the definition the router holds under that name.
   */
  route: RouteConfig;
  source: RouteSource;
  /** The stored version this definition is (config-file routes are versioned too, ADR 0006). */
  version: number;
}

export interface ResolveRouteOptions {
  /** A pinned version (releases pin them); default: the current version. */
  version?: number;
  /**
   * Where to look, as `source` said when the version was pinned. Default: the config file for a name
   * it has now, else the tenant's routes, else a route the config file had before.
   */
  source?: RouteSource;
}

/**
 * The route a tenant's request names: the config file's route, else the tenant's own API-managed
 * route (current version, unless deleted). The two cannot share a name (the routes API refuses it).
 * With `version`, that exact version, a config route's included, or null when it does not exist or
 * is a tombstone. Config routes are answered from memory (see configRouteVersions).
 */
export async function resolveRoute(
  deps: ConfigRouteDeps,
  tenantId: string,
  name: string,
  options: ResolveRouteOptions = {},
): Promise<ResolvedRoute | null> {
  const configured = (await configRouteVersions(deps)).get(name);
  const { version, source } = options;
  if (version === undefined) {
    if (configured && source !== 'tenant') {
      return { route: configured.route, source: 'config', version: configured.row.version };
    }
    if (source === 'config') return null;
    return toResolved(await deps.metadata.routes.current(tenantId, name), 'tenant');
  }
  if (!Number.isSafeInteger(version) || version < 1) return null;
  if (source === 'config' || (source === undefined && configured)) {
    if (configured?.row.version === version) {
      return { route: configured.route, source: 'config', version };
    }
    return toResolved(await pinnedVersion(deps.metadata, CONFIG_ROUTE_SCOPE, name, version), 'config');
  }
  const own = await pinnedVersion(deps.metadata, tenantId, name, version);
  if (own || source === 'tenant') return toResolved(own, 'tenant');
  // A name the tenant never had may be a route the config file has since dropped.
  if (await deps.metadata.routes.current(tenantId, name)) return null;
  return toResolved(await pinnedVersion(deps.metadata, CONFIG_ROUTE_SCOPE, name, version), 'config');
}

/**
 * `resolveRoute` for an authenticated key, the one call of every model endpoint that takes a route
 * (/v1/chat/completions, /v1/completions): 403 when the key's allow-list does not cover the name
 * (before any lookup, so the answer says nothing about which routes exist), null when no such route.
 */
export async function resolveRouteForKey(
  deps: ConfigRouteDeps,
  principal: { tenantId: string; allowedModels: readonly string[] | null },
  name: string,
  options: ResolveRouteOptions = {},
): Promise<ResolvedRoute | null> {
  assertModelAllowed(principal.allowedModels, name);
  return resolveRoute(deps, principal.tenantId, name, options);
}

/**
 * Every route name a key can call: the config file's (in file order), then its tenant's own (by
 * name), less what the key's allow-list leaves out.
 */
export async function routeNamesFor(
  deps: Pick<AppDeps, 'metadata' | 'gateway'>,
  principal: { tenantId: string; allowedModels: readonly string[] | null },
): Promise<string[]> {
  const names = new Set(deps.gateway?.config.routes.map((r) => r.name) ?? []);
  for (const row of await deps.metadata.routes.listCurrent(principal.tenantId)) names.add(row.name);
  return [...names].filter((name) => modelAllowed(principal.allowedModels, name));
}

function toResolved(row: RouteVersionRow | null, source: RouteSource): ResolvedRoute | null {
  if (!row || row.definition === null) return null;
  return {
    route: { ...(row.definition as unknown as RouteConfig), name: row.name },
    source,
    version: row.version,
  };
}

/** Stored versions never change, so pinned ones are remembered (a release pins the same few). */
const MAX_PINNED = 1_000;
const pinnedCaches = new WeakMap<MetadataStore, Map<string, RouteVersionRow>>();

async function pinnedVersion(
  metadata: MetadataStore,
  scope: string,
  name: string,
  version: number,
): Promise<RouteVersionRow | null> {
  let cache = pinnedCaches.get(metadata);
  if (!cache) {
    cache = new Map();
    pinnedCaches.set(metadata, cache);
  }
  const key = `${scope}\u0000${name}\u0000${version}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const row = await metadata.routes.getVersion(scope, name, version);
  if (row) {
    if (cache.size >= MAX_PINNED) cache.delete(cache.keys().next().value as string);
    cache.set(key, row);
  }
  return row;
}
