import type { PoolConfig } from './gateway-config.js';

/** What placement knows about a request. */
export interface PlacementRequest {
  /** A hash of the leading prompt tokens (system prompt and first messages): requests sharing it share a KV-cache prefix. */
  prefixKey: string;
  /** A LoRA adapter name when the request asks for one. */
  adapter?: string;
}

/**
 * Chooses, for one request to a pool, the replicas in the order to try them. The router starts with
 * the first and moves down the list on failures before the first token. `null` means "spill over":
 * every replica is saturated or too slow, and the pool's spillover target should take the request.
 */
export interface Placement {
  order(pool: PoolConfig, request: PlacementRequest): string[] | null;
  /** The router reports each call to a replica, so in-flight counts stay exact. */
  started(targetId: string): void;
  finished(targetId: string, outcome: { ok: boolean; firstTokenMs?: number }): void;
}

/** Round robin over the pool's replicas; the baseline the other policies are measured against. */
export function createRoundRobinPlacement(): Placement {
  const next = new Map<string, number>();
  return {
    order(pool) {
      const start = next.get(pool.id) ?? 0;
      next.set(pool.id, (start + 1) % pool.replicas.length);
      return pool.replicas.map((_, i) => pool.replicas[(start + i) % pool.replicas.length] as string);
    },
    started() {},
    finished() {},
  };
}
