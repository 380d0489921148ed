import type { GatewayConfig, RouteConfig, TargetConfig } from './gateway-config.js';

/**
 * Every target a route can reach: its direct targets, the replicas of its pools and their spillover
 * targets, each once. The cost meter reserves a call's maximum cost at the highest price among them,
 * since placement and fallback pick the one that serves only later. Refs to targets the config no longer
 * has are left out.
 */
export function targetsOfRoute(route: RouteConfig, config: GatewayConfig): readonly TargetConfig[] {
  // Called on every metered request: computed once per (config, route definition), both immutable.
  let byRoute = memo.get(config);
  if (!byRoute) {
    byRoute = new WeakMap();
    memo.set(config, byRoute);
  }
  let found = byRoute.get(route);
  if (!found) {
    found = expand(route, config);
    byRoute.set(route, found);
  }
  return found;
}

const memo = new WeakMap<GatewayConfig, WeakMap<RouteConfig, readonly TargetConfig[]>>();

function expand(route: RouteConfig, config: GatewayConfig): readonly TargetConfig[] {
  const targets = new Map(config.targets.map((t) => [t.id, t]));
  const pools = new Map(config.pools.map((p) => [p.id, p]));
  const ids = new Set<string>();
  for (const { ref } of route.targets) {
    const pool = pools.get(ref);
    if (!pool) {
      ids.add(ref);
      continue;
    }
    for (const replica of pool.replicas) ids.add(replica);
    if (pool.spillover) ids.add(pool.spillover.target);
  }
  const found: TargetConfig[] = [];
  for (const id of ids) {
    const target = targets.get(id);
    if (target) found.push(target);
  }
  return found;
}
