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

/**
 * Round robin over the pool's replicas (or over `candidates(pool, request)`, e.g. those listing a
 * requested LoRA adapter); the baseline the other policies are measured against.
 */
export function createRoundRobinPlacement(
  candidates: (pool: PoolConfig, request: PlacementRequest) => readonly string[] = (pool) => pool.replicas,
): Placement {
  const next = new Map<string, number>();
  return {
    order(pool, request) {
      const turn = next.get(pool.id) ?? 0;
      next.set(pool.id, turn + 1);
      return rotate(candidates(pool, request), turn);
    },
    started() {},
    finished() {},
  };
}

/** Rotates `items` by `offset`, so that ties between equally loaded replicas do not always favour the first. */
export function rotate<T>(items: readonly T[], offset: number): T[] {
  if (items.length === 0) return [];
  const start = offset % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}
