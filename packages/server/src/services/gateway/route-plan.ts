import type { ChatTarget } from '../../ports/chat-model.js';
import type { PoolConfig, RouteTargetRef } from './gateway-config.js';
import type { GatewayMetrics } from './metrics.js';
import type { Placement } from './placement.js';

/** One candidate of a call: a target, and the LoRA adapter to ask it for when the route's ref named one. */
export interface PlannedTarget {
  targetId: string;
  adapter?: string;
}

export interface ExpandRefsContext {
  pools: ReadonlyMap<string, PoolConfig>;
  placement: Placement;
  /** The request's prefix key; computed only when a pool needs it. */
  prefixKey: () => string;
  metrics?: GatewayMetrics;
}

/**
 * Expands a route's refs, already in the order to try them, into targets: a target ref is itself; a
 * pool ref is its replicas in the order placement chooses (told the ref's adapter, so LoRA requests go to
 * replicas listing it), then its spillover target, which gets no adapter (it serves another model); when
 * placement says "spill over", only the spillover target. A target reached twice keeps its first place.
 */
export function expandRefs(refs: readonly RouteTargetRef[], context: ExpandRefsContext): PlannedTarget[] {
  const { pools, placement, metrics } = context;
  const planned: PlannedTarget[] = [];
  const seen = new Set<string>();
  const add = (targetId: string, adapter: string | undefined) => {
    if (seen.has(targetId)) return;
    seen.add(targetId);
    planned.push(adapter === undefined ? { targetId } : { targetId, adapter });
  };
  let prefixKey: string | undefined;
  for (const { ref, adapter } of refs) {
    const pool = pools.get(ref);
    if (!pool) {
      add(ref, adapter);
      continue;
    }
    prefixKey ??= context.prefixKey();
    const order = placement.order(pool, adapter === undefined ? { prefixKey } : { prefixKey, adapter });
    for (const id of order ?? []) add(id, adapter);
    if (pool.spillover) add(pool.spillover.target, undefined);
    const chosen = order?.[0] ?? pool.spillover?.target;
    if (chosen) {
      metrics?.placementDecision({
        pool: pool.id,
        policy: pool.placement,
        target: chosen,
        reason: order ? 'placed' : 'spillover',
      });
    }
  }
  return planned;
}

/** The `model` to send upstream: the adapter's name when there is one (how vLLM serves LoRA), else the target's model. */
export function upstreamModel(target: ChatTarget, adapter: string | undefined): string {
  return adapter ?? target.model;
}
