import type { PoolConfig, TargetConfig } from './gateway-config.js';
import type { TargetHealth } from './health-store.js';
import { type Placement, type PlacementRequest, rotate } from './placement.js';

/** When a replica counts as saturated, besides `TargetConfig.maxInFlight`. */
export interface SaturationThresholds {
  /** More requests than this waiting in the engine's queue (fresh signal). Default 4. */
  maxWaiting: number;
  /** KV-cache usage at or above this (0..1, fresh signal): the engine is about to preempt. Default 0.95. */
  maxKvCacheUsage: number;
}

export const DEFAULT_SATURATION: SaturationThresholds = { maxWaiting: 4, maxKvCacheUsage: 0.95 };

export interface LoadAwareOptions {
  health: TargetHealth;
  /** The targets' `maxInFlight` (capacity); targets not listed have none. */
  targets?: readonly Pick<TargetConfig, 'id' | 'maxInFlight'>[];
  saturation?: Partial<SaturationThresholds>;
}

/** Reads a replica's load from the health store: fresh scraped signals plus the gateway's in-flight count. */
export interface ReplicaLoad {
  /**
   * Lower is better: (outstanding + queued) / maxInFlight (or / 1 without one). outstanding = the
   * gateway's in-flight calls now + the replica's other traffic, i.e. what its fresh signals counted
   * (running + waiting) beyond the gateway's in-flight calls when they were recorded. Our own calls are
   * counted live, never from a scrape up to 3 s old: stale counts would send bursts to whichever replica
   * looked idle at the last scrape. queued = the fresh `waiting` signal, weighing twice since queued
   * requests cost time to first token. Without fresh signals: in-flight alone.
   */
  score(targetId: string): number;
  /** Requests estimated to be queued ahead of a new one: fresh `waiting`, else those over maxInFlight. */
  queueAhead(targetId: string): number;
  saturated(targetId: string): boolean;
  /** (1 + queueAhead) x recent first-token ms per queue position; null before any observation. */
  predictedFirstTokenMs(targetId: string): number | null;
  /**
   * The replicas that may serve the request. For an adapter: those whose fresh /v1/models lists it; when
   * none does (lists stale, or vLLM loads adapters on demand through a LoRA resolver), every replica.
   */
  candidates(pool: PoolConfig, request: PlacementRequest): string[];
  /** Unsaturated candidates first, each group by ascending score; ties keep the given order (callers rotate it). */
  rank(candidates: readonly string[]): string[];
  /**
   * Whether the request should go to the pool's spillover target: only when the pool has one, and then
   * when every candidate is saturated or every unsaturated one's predicted first-token time is known and
   * above `spillover.maxPredictedFirstTokenMs`.
   */
  shouldSpill(pool: PoolConfig, candidates: readonly string[]): boolean;
  /**
   * The candidates by load, ties rotated round robin per pool; null when the request should spill over.
   * The ordering both load-aware policies start from.
   */
  rankedOrSpill(pool: PoolConfig, request: PlacementRequest): string[] | null;
  /** Placement.started: counts the call and remembers its queue estimate for the first-token predictor. */
  started(targetId: string): void;
}

export function createReplicaLoad(options: LoadAwareOptions): ReplicaLoad {
  const { health } = options;
  const thresholds = { ...DEFAULT_SATURATION, ...options.saturation };
  const capacity = new Map<string, number>();
  for (const t of options.targets ?? []) {
    if (t.maxInFlight !== undefined && t.maxInFlight > 0) capacity.set(t.id, t.maxInFlight);
  }

  const view = (targetId: string) => {
    const snapshot = health.get(targetId);
    const cap = capacity.get(targetId);
    const { load, inFlight } = snapshot;
    const others = load ? Math.max(0, load.running + load.waiting - load.inFlightAtRecord) : 0;
    const outstanding = inFlight + others;
    const queue = load ? load.waiting : cap !== undefined ? Math.max(0, inFlight - cap) : 0;
    return { snapshot, cap, outstanding, queue };
  };

  const saturated = (targetId: string) => {
    const { snapshot, cap } = view(targetId);
    if (cap !== undefined && snapshot.inFlight >= cap) return true;
    const load = snapshot.load;
    if (!load) return false;
    return (
      load.waiting > thresholds.maxWaiting ||
      (load.kvCacheUsage !== null && load.kvCacheUsage >= thresholds.maxKvCacheUsage)
    );
  };

  const predictedFirstTokenMs = (targetId: string) => {
    const { snapshot, queue } = view(targetId);
    const perPosition = snapshot.firstTokenMsPerPosition;
    return perPosition === null ? null : perPosition * (1 + queue);
  };

  const score = (targetId: string) => {
    const { outstanding, queue, cap } = view(targetId);
    return (outstanding + queue) / (cap ?? 1);
  };

  const turn = new Map<string, number>();
  const self: ReplicaLoad = {
    score,
    queueAhead: (targetId) => view(targetId).queue,
    saturated,
    predictedFirstTokenMs,
    candidates(pool, request) {
      if (request.adapter === undefined) return [...pool.replicas];
      const adapter = request.adapter;
      const listing = pool.replicas.filter((id) => health.get(id).adapters?.names.has(adapter) === true);
      return listing.length > 0 ? listing : [...pool.replicas];
    },
    rank(candidates) {
      const scored = candidates.map((id, i) => ({ id, i, full: saturated(id) ? 1 : 0, score: score(id) }));
      scored.sort((a, b) => a.full - b.full || a.score - b.score || a.i - b.i);
      return scored.map((s) => s.id);
    },
    shouldSpill(pool, candidates) {
      if (!pool.spillover || candidates.length === 0) return false;
      const open = candidates.filter((id) => !saturated(id));
      if (open.length === 0) return true;
      const limit = pool.spillover.maxPredictedFirstTokenMs;
      if (limit === undefined) return false;
      return open.every((id) => {
        const predicted = predictedFirstTokenMs(id);
        return predicted !== null && predicted > limit;
      });
    },
    rankedOrSpill(pool, request) {
      const candidates = self.candidates(pool, request);
      if (self.shouldSpill(pool, candidates)) return null;
      const offset = turn.get(pool.id) ?? 0;
      turn.set(pool.id, (offset + 1) % pool.replicas.length);
      return self.rank(rotate(candidates, offset));
    },
    started(targetId) {
      health.started(targetId, { queueAhead: view(targetId).queue });
    },
  };
  return self;
}

/**
 * Least-loaded placement: replicas ordered by ReplicaLoad.score (fresh scraped signals plus the gateway's
 * own in-flight counts), ties rotated round robin; LoRA requests only go to replicas listing the adapter;
 * null (spill over) per ReplicaLoad.shouldSpill.
 */
export function createLeastLoadedPlacement(options: LoadAwareOptions): Placement {
  const load = createReplicaLoad(options);
  return {
    order: (pool, request) => load.rankedOrSpill(pool, request),
    started: (targetId) => load.started(targetId),
    finished: (targetId, outcome) => options.health.finished(targetId, outcome),
  };
}
