import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import {
  CONFIG_ROUTE_SCOPE,
  type JsonValue,
  type MetadataStore,
  type RouteVersionRow,
} from '../../ports/metadata-store.js';
import type { RouteConfig } from './gateway-config.js';

export interface SyncConfigRoutesDeps {
  metadata: MetadataStore;
  clock: Clock;
  logger?: Logger;
}

/** A lost compare-and-append means another instance wrote meanwhile; this many re-reads settle it. */
const MAX_ATTEMPTS = 5;

type Definition = NonNullable<RouteVersionRow['definition']>;

/**
 * Versions the config file's routes in the store under CONFIG_ROUTE_SCOPE (ADR 0006): a route whose
 * definition differs from its stored current version (or that has none) gets a new version, a stored
 * route the file no longer has gets a tombstone, and an unchanged file writes nothing. Every write is
 * a compare-and-append on the version just read, so instances starting together never write the same
 * change twice. Returns the current stored version of each of the file's routes, by name.
 */
export async function syncConfigRoutes(
  deps: SyncConfigRoutesDeps,
  routes: readonly RouteConfig[],
): Promise<Map<string, RouteVersionRow>> {
  const { metadata } = deps;
  const stored = new Map((await metadata.routes.listCurrent(CONFIG_ROUTE_SCOPE)).map((r) => [r.name, r]));
  let scopeReady = false;

  /** Makes the route's current version `definition` (null: a tombstone), unless it already is. */
  async function settle(name: string, definition: Definition | null, known: RouteVersionRow | null) {
    let current = known;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (sameDefinition(current?.definition ?? null, definition)) return current;
      if (!scopeReady) {
        await metadata.tenants.ensure(CONFIG_ROUTE_SCOPE);
        scopeReady = true;
      }
      const written = await metadata.routes.appendIfCurrent(
        {
          tenantId: CONFIG_ROUTE_SCOPE,
          name,
          definition,
          createdAt: deps.clock.now().toISOString(),
          createdBy: null,
        },
        current?.version ?? 0,
      );
      if (written) {
        deps.logger?.info(definition ? 'config route versioned' : 'config route removed', {
          route: name,
          version: written.version,
        });
        return written;
      }
      current = await metadata.routes.current(CONFIG_ROUTE_SCOPE, name);
    }
    throw new Error(`config route "${name}": the store kept changing while syncing it; retry the start`);
  }

  const versions = new Map<string, RouteVersionRow>();
  for (const route of routes) {
    // listCurrent leaves out tombstones, so a route coming back reads its tombstone's version first.
    const known = stored.get(route.name) ?? (await metadata.routes.current(CONFIG_ROUTE_SCOPE, route.name));
    const row = await settle(route.name, toDefinition(route), known);
    if (!row) throw new Error(`config route "${route.name}" was not stored`);
    versions.set(route.name, row);
  }
  const inFile = new Set(routes.map((r) => r.name));
  for (const [name, row] of stored) {
    if (!inFile.has(name)) await settle(name, null, row);
  }
  return versions;
}

function toDefinition(route: RouteConfig): Definition {
  return JSON.parse(JSON.stringify(route)) as Definition;
}

/** Equal as JSON, whatever the key order (definitions stored by older versions may order keys differently). */
export function sameDefinition(a: Definition | null, b: Definition | null): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: JsonValue | undefined): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value)
    .filter((key) => value[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
}
