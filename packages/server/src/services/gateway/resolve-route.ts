import type { AppDeps } from '../../deps.js';
import type { RouteConfig } from './gateway-config.js';

/**
 * The route a tenant's request names: the tenant's own API-managed route (current version, unless
 * deleted), else the config file's global route. The two cannot share a name (the routes API refuses
 * it), so the order only decides which lookup runs first.
 */
export async function resolveRoute(
  deps: Pick<AppDeps, 'metadata' | 'gateway'>,
  tenantId: string,
  name: string,
): Promise<{ route: RouteConfig; source: 'tenant' | 'config'; version?: number } | null> {
  const configured = deps.gateway?.config.routes.find((r) => r.name === name);
  if (configured) return { route: configured, source: 'config' };
  const row = await deps.metadata.routes.current(tenantId, name);
  if (!row || row.definition === null) return null;
  return {
    route: { ...(row.definition as unknown as RouteConfig), name },
    source: 'tenant',
    version: row.version,
  };
}

/** Every route name a tenant can call: the config file's (in file order), then its own (by name). */
export async function routeNamesFor(
  deps: Pick<AppDeps, 'metadata' | 'gateway'>,
  tenantId: string,
): Promise<string[]> {
  const names = new Set(deps.gateway?.config.routes.map((r) => r.name) ?? []);
  for (const row of await deps.metadata.routes.listCurrent(tenantId)) names.add(row.name);
  return [...names];
}
