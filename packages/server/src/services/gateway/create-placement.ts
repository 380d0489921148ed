import type { TargetConfig } from './gateway-config.js';
import type { TargetHealth } from './health-store.js';
import {
  createLeastLoadedPlacement,
  createReplicaLoad,
  type SaturationThresholds,
} from './least-loaded-placement.js';
import { createRoundRobinPlacement, type Placement } from './placement.js';
import { createPrefixAffinityPlacement } from './prefix-affinity-placement.js';

export interface PlacementConfig {
  /** The gateway's targets: their `maxInFlight` is each replica's capacity. */
  targets: readonly Pick<TargetConfig, 'id' | 'maxInFlight'>[];
  saturation?: Partial<SaturationThresholds>;
  /** Prefix-affinity LRU size and replicas per prefix (see createPrefixAffinityPlacement). */
  maxPrefixes?: number;
  replicasPerPrefix?: number;
}

/**
 * One Placement for every pool: `order` dispatches on `pool.placement`; `started`/`finished` feed the
 * shared TargetHealth, so in-flight counts and first-token times are per target whatever pool or policy
 * sent the call. Round-robin pools stay load-blind, except that a pool with a spillover target spills
 * when every candidate replica is saturated (the same rule as the other policies); like the other
 * policies, they send a LoRA request only to the replicas listing its adapter (ReplicaLoad.candidates).
 */
export function createPlacement(config: PlacementConfig, health: TargetHealth): Placement {
  const options = {
    health,
    targets: config.targets,
    ...(config.saturation && { saturation: config.saturation }),
  };
  const load = createReplicaLoad(options);
  const roundRobin = createRoundRobinPlacement((pool, request) => load.candidates(pool, request));
  const leastLoaded = createLeastLoadedPlacement(options);
  const prefixAffinity = createPrefixAffinityPlacement({
    ...options,
    ...(config.maxPrefixes !== undefined && { maxPrefixes: config.maxPrefixes }),
    ...(config.replicasPerPrefix !== undefined && { replicasPerPrefix: config.replicasPerPrefix }),
  });
  return {
    order(pool, request) {
      switch (pool.placement) {
        case 'least-loaded':
          return leastLoaded.order(pool, request);
        case 'prefix-affinity':
          return prefixAffinity.order(pool, request);
        case 'round-robin': {
          const candidates = load.candidates(pool, request);
          if (pool.spillover && candidates.every((id) => load.saturated(id))) return null;
          return roundRobin.order(pool, request);
        }
      }
    },
    started: (targetId) => load.started(targetId),
    finished: (targetId, outcome) => health.finished(targetId, outcome),
  };
}
