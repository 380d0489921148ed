import { Hono } from 'hono';
import { ApiError } from '../core/api-error.js';
import type { AppDeps } from '../deps.js';
import type { Principal } from '../middleware/auth/index.js';
import { CONFIG_ROUTE_SCOPE, type RouteVersionRow } from '../ports/metadata-store.js';
import { checkRoute } from '../services/gateway/config-references.js';
import { type ConfigRouteVersion, configRouteVersions } from '../services/gateway/config-route-versions.js';
import { routeConfigSchema } from '../services/gateway/config-schema.js';
import type { GatewayConfig, RouteConfig } from '../services/gateway/gateway-config.js';
import { assertModelAllowed, modelAllowed } from '../services/keys/model-patterns.js';
import { parseBody, readJson } from './validate.js';

/**
 * Route management: `GET/PUT/DELETE /routes/{name}`, `GET /routes`, `GET /routes/{name}/versions`.
 *
 * Decision: routes from the config file (RAGLINE_CONFIG) are global and read-only; they are listed
 * here with `source: "config"` but cannot be changed or shadowed through the API (409). Routes
 * managed through the API belong to the caller's tenant. Both are versioned in the MetadataStore
 * (ADR 0006): every change appends a version, a delete (or a route leaving the config file) appends a
 * tombstone, and versions are never rewritten (releases pin them). A PUT identical to the current
 * version is not a change and returns it unchanged. Names containing `/` (e.g.
 * `meta-llama/Llama-3.1-8B`) are sent percent-encoded in the path.
 *
 * A key with a model allow-list sees and reads only the routes it may use (403 otherwise) and cannot
 * change routes at all: it could otherwise point an allowed name at any target.
 */
export interface RouteView {
  name: string;
  source: 'config' | 'api';
  version: number;
  deleted: boolean;
  /** null for a tombstone. */
  route: RouteConfig | null;
  createdAt: string;
  /** Id of the API key that made the change; null for config-file routes. */
  createdBy: string | null;
}

const EMPTY: GatewayConfig = { targets: [], pools: [], routes: [] };
const MAX_NAME = 200;

export const gatewayRoutes = new Hono()
  .get('/routes', async (c) => {
    const deps = c.get('deps');
    const principal = c.get('principal');
    const configured = await configRouteVersions(deps);
    const stored = await deps.metadata.routes.listCurrent(principal.tenantId);
    const views = [
      ...[...configured.values()].map(configView),
      ...stored.filter((row) => !configured.has(row.name)).map(storedView),
    ].filter((view) => modelAllowed(principal.allowedModels, view.name));
    views.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return c.json({ data: views });
  })
  .get('/routes/:name/versions', async (c) => {
    const deps = c.get('deps');
    const principal = c.get('principal');
    const name = routeName(c.req.param('name'));
    assertModelAllowed(principal.allowedModels, name);
    const configured = (await configRouteVersions(deps)).get(name);
    let history = await deps.metadata.routes.history(
      configured ? CONFIG_ROUTE_SCOPE : principal.tenantId,
      name,
    );
    // A name the tenant never had may be a route the config file has since dropped (releases may pin it).
    if (history.length === 0 && !configured) {
      history = await deps.metadata.routes.history(CONFIG_ROUTE_SCOPE, name);
    }
    if (history.length === 0) throw notFound(name);
    return c.json({ data: history.map(storedView) });
  })
  .get('/routes/:name', async (c) => {
    const deps = c.get('deps');
    const principal = c.get('principal');
    const name = routeName(c.req.param('name'));
    assertModelAllowed(principal.allowedModels, name);
    const fromConfig = (await configRouteVersions(deps)).get(name);
    if (fromConfig) return c.json(configView(fromConfig));
    const current = await deps.metadata.routes.current(principal.tenantId, name);
    if (!current || current.definition === null) throw notFound(name);
    return c.json(storedView(current));
  })
  .put('/routes/:name', async (c) => {
    const deps = c.get('deps');
    const principal = c.get('principal');
    const name = routeName(c.req.param('name'));
    assertMayChangeRoutes(principal);
    const body = await readJson(c.req);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ApiError('INVALID_REQUEST', 'body: must be a JSON object (one route)');
    }
    const bodyName = (body as { name?: unknown }).name;
    if (bodyName !== undefined && bodyName !== name) {
      const message = `must match the route name in the path ("${name}")`;
      throw new ApiError('INVALID_REQUEST', `name: ${message}`, {
        details: { issues: [{ field: 'name', message }] },
      });
    }
    const route = parseBody(routeConfigSchema, { ...body, name });
    const config = gatewayConfig(deps);
    const problems = checkRoute(route, config);
    if (problems.length > 0) throw invalidRoute(problems);
    if (configRoute(deps, name)) throw readOnly(name);

    const current = await deps.metadata.routes.current(principal.tenantId, name);
    if (current?.definition && JSON.stringify(current.definition) === JSON.stringify(route)) {
      return c.json(storedView(current), 200);
    }
    const written = await deps.metadata.routes.append({
      tenantId: principal.tenantId,
      name,
      definition: JSON.parse(JSON.stringify(route)),
      createdAt: deps.clock.now().toISOString(),
      createdBy: principal.keyId,
    });
    return c.json(storedView(written), current?.definition ? 200 : 201);
  })
  .delete('/routes/:name', async (c) => {
    const deps = c.get('deps');
    const principal = c.get('principal');
    const name = routeName(c.req.param('name'));
    assertMayChangeRoutes(principal);
    if (configRoute(deps, name)) throw readOnly(name);
    const current = await deps.metadata.routes.current(principal.tenantId, name);
    if (!current || current.definition === null) throw notFound(name);
    const tombstone = await deps.metadata.routes.append({
      tenantId: principal.tenantId,
      name,
      definition: null,
      createdAt: deps.clock.now().toISOString(),
      createdBy: principal.keyId,
    });
    return c.json(storedView(tombstone));
  });

function gatewayConfig(deps: AppDeps): GatewayConfig {
  return deps.gateway?.config ?? EMPTY;
}

function configRoute(deps: AppDeps, name: string): RouteConfig | undefined {
  return gatewayConfig(deps).routes.find((r) => r.name === name);
}

function routeName(raw: string): string {
  if (raw.length === 0 || raw.length > MAX_NAME) {
    throw new ApiError('INVALID_REQUEST', `name: must be 1 to ${MAX_NAME} characters`);
  }
  return raw;
}

function configView({ route, row }: ConfigRouteVersion): RouteView {
  return {
    name: route.name,
    source: 'config',
    version: row.version,
    deleted: false,
    route,
    createdAt: row.createdAt,
    createdBy: null,
  };
}

function storedView(row: RouteVersionRow): RouteView {
  return {
    name: row.name,
    source: row.tenantId === CONFIG_ROUTE_SCOPE ? 'config' : 'api',
    version: row.version,
    deleted: row.definition === null,
    // Stored definitions were validated on write; parsing again applies defaults added since.
    route: row.definition === null ? null : routeConfigSchema.parse(row.definition),
    createdAt: row.createdAt,
    createdBy: row.createdBy,
  };
}

function assertMayChangeRoutes(principal: Principal): void {
  if (principal.allowedModels === null) return;
  throw new ApiError(
    'FORBIDDEN',
    'this API key has a model allow-list and cannot change routes; use a key without one',
  );
}

function notFound(name: string): ApiError {
  return new ApiError('NOT_FOUND', `route "${name}" does not exist`);
}

function readOnly(name: string): ApiError {
  return new ApiError(
    'CONFLICT',
    `route "${name}" is defined in the gateway config file and is read-only; choose another name`,
  );
}

/** Reference problems (`targets[0].ref: unknown target or pool "x"`) in the same shape as parseBody's. */
function invalidRoute(problems: string[]): ApiError {
  const issues = problems.map((p) => {
    const at = p.indexOf(': ');
    return { field: p.slice(0, at), message: p.slice(at + 2) };
  });
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new ApiError('INVALID_REQUEST', `${problems[0]}${more}`, { details: { issues } });
}
