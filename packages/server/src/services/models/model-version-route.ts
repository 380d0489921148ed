import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { ModelSpec, ModelVersionRow } from '../../ports/registry-repositories.js';
import type { RouteConfig } from '../gateway/gateway-config.js';
import { resolveRoute } from '../gateway/resolve-route.js';
import { routeForTargetSpec } from './model-route.js';

/** The route a call is sent by, and the name and version it is metered under. */
export interface ModelRoute {
  route: RouteConfig;
  /** The route's name; for a target/pool version, the model's name. */
  name: string;
  /** The route version; for a target/pool version, the model version. */
  version: number;
}

/**
 * The gateway route a model version stands for: its route at the pinned version (from the store when
 * it is not the current one), or a single-target route to its target or pool with its adapter.
 */
export async function routeOfModelVersion(
  deps: AppDeps,
  tenantId: string,
  row: Pick<ModelVersionRow, 'name' | 'version' | 'spec'>,
): Promise<ModelRoute> {
  const { spec } = row;
  if (isRouteSpec(spec)) {
    return pinnedRoute(
      deps,
      tenantId,
      spec.route,
      spec.routeVersion,
      spec.source,
      `model "${row.name}" version ${row.version}`,
    );
  }
  return { route: routeForTargetSpec(row.name, spec), name: row.name, version: row.version };
}

/** A route at a pinned version; 404 naming who pinned it when that version no longer resolves. */
export async function pinnedRoute(
  deps: AppDeps,
  tenantId: string,
  name: string,
  version: number,
  source: 'config' | 'tenant',
  pinnedBy: string,
): Promise<ModelRoute> {
  const resolved = await resolveRoute(deps, tenantId, name, { version, source });
  if (!resolved) {
    throw new ApiError(
      'NOT_FOUND',
      `${pinnedBy} pins route "${name}" version ${version}, which does not exist`,
    );
  }
  return { route: resolved.route, name, version };
}

export function isRouteSpec(spec: ModelSpec): spec is Extract<ModelSpec, { route: string }> {
  return 'route' in spec && typeof spec.route === 'string';
}
