import { createReplicaLoad, type LoadAwareOptions } from './least-loaded-placement.js';
import type { Placement } from './placement.js';

export interface PrefixAffinityOptions extends LoadAwareOptions {
  /** Prefix keys remembered (LRU). Default 10,000: a few hundred kB. */
  maxPrefixes?: number;
  /**
   * Replicas remembered per prefix. When every one of them is saturated the request goes to the least
   * loaded replica, which joins the list (the oldest leaves): a hot prefix ends up cached on a few
   * replicas instead of bouncing between all of them. Default 2.
   */
  replicasPerPrefix?: number;
}

/**
 * Prefix affinity with load: requests sharing a prefix key (same system prompt and leading messages, so
 * the same KV-cache prefix on a vLLM replica with prefix caching) go to the replica that served that
 * prefix before, unless it is saturated (ReplicaLoad.saturated); then they yield to the least-loaded
 * replica. A new prefix goes to the least-loaded replica. LoRA candidates and spillover as in
 * least-loaded placement; the adapter is part of the affinity key (an adapter's KV cache is its own).
 */
export function createPrefixAffinityPlacement(options: PrefixAffinityOptions): Placement {
  const load = createReplicaLoad(options);
  const maxPrefixes = Math.max(1, options.maxPrefixes ?? 10_000);
  const perPrefix = Math.max(1, options.replicasPerPrefix ?? 2);
  /** key -> replicas that served it, most recent first. Map iteration order is the LRU order. */
  const homes = new Map<string, string[]>();

  return {
    order(pool, request) {
      const ranked = load.rankedOrSpill(pool, request);
      if (ranked === null) return null;

      const key = `${pool.id}\u0000${request.adapter ?? ''}\u0000${request.prefixKey}`;
      const known = homes.get(key) ?? [];
      homes.delete(key);
      // `ranked` holds only the request's candidates, by load: the first open home is the least-loaded.
      const home = ranked.find((id) => known.includes(id) && !load.saturated(id));
      const chosen = home ?? ranked[0];
      if (chosen === undefined) return [];
      const remembered = [chosen, ...known.filter((id) => id !== chosen)].slice(0, perPrefix);
      homes.set(key, remembered);
      if (homes.size > maxPrefixes) {
        const oldest = homes.keys().next().value;
        if (oldest !== undefined) homes.delete(oldest);
      }
      return [chosen, ...ranked.filter((id) => id !== chosen)];
    },
    started: (targetId) => load.started(targetId),
    finished: (targetId, outcome) => options.health.finished(targetId, outcome),
  };
}
