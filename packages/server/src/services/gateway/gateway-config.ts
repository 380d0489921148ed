import type { ChatTargetKind } from '../../ports/chat-model.js';

/**
 * The gateway's routing configuration: targets (one upstream endpoint each), pools (replicas of one
 * model with a placement policy) and routes (a logical model name -> targets or pools + a strategy).
 * Plain types; runtime/ parses YAML (RAGLINE_CONFIG) and the routes API into them with zod.
 */
export interface GatewayConfig {
  targets: TargetConfig[];
  pools: PoolConfig[];
  routes: RouteConfig[];
}

export interface TargetTimeouts {
  /** From sending the request to the response headers. */
  connectMs: number;
  /** From sending the request to the first content chunk (streams) or the whole body (non-streaming). */
  firstTokenMs: number;
  /** Longest silence between two stream parts after the first. */
  idleMs: number;
  /** The whole call. */
  totalMs: number;
}

export const DEFAULT_TIMEOUTS: TargetTimeouts = {
  connectMs: 10_000,
  firstTokenMs: 60_000,
  idleMs: 30_000,
  totalMs: 600_000,
};

export interface TargetConfig {
  id: string;
  kind: ChatTargetKind;
  /** The model name the upstream expects. */
  model: string;
  /** API root for HTTP targets (including /v1 for OpenAI-compatible ones); not used by bedrock. */
  baseURL?: string;
  /** Bedrock region. */
  region?: string;
  apiKey?: string;
  headers?: Record<string, string>;
  timeouts?: Partial<TargetTimeouts>;
  /** In-flight requests at which a replica counts as saturated for placement. */
  maxInFlight?: number;
  /** Where to scrape load signals; default `<baseURL without /v1>/metrics` for vllm and trtllm. */
  metricsURL?: string;
}

export type PlacementPolicy = 'round-robin' | 'least-loaded' | 'prefix-affinity';

export interface PoolConfig {
  id: string;
  /** Target ids: replicas serving the same model. */
  replicas: string[];
  placement: PlacementPolicy;
  /**
   * When every replica is saturated, or the predicted time to first token exceeds
   * `maxPredictedFirstTokenMs`, send the request to this (usually cloud) target instead.
   */
  spillover?: { target: string; maxPredictedFirstTokenMs?: number };
}

export type RouteStrategy = 'single' | 'weighted' | 'fallback';

export interface RouteConfig {
  /** The logical model name clients send as `model`. */
  name: string;
  strategy: RouteStrategy;
  /** Target or pool ids. `weight` is used by `weighted`; order matters for `fallback`. */
  targets: { ref: string; weight?: number }[];
  /**
   * For `weighted`: keep one caller on one variant. `user` uses the request's `user` field;
   * `header:<name>` a request header.
   */
  stickyBy?: 'user' | `header:${string}`;
  /** For `fallback`: which failures move on to the next target (only before the first token). */
  fallbackOn?: { statuses: number[]; connectionErrors: boolean; timeouts: boolean };
  /** Retries of the same target before moving on; Retry-After is honoured up to `maxRetryAfterMs`. */
  retry?: { attempts: number; maxRetryAfterMs: number };
  /** Defaults for this route's targets (a target's own timeouts win). */
  timeouts?: Partial<TargetTimeouts>;
  circuitBreaker?: { failureThreshold: number; openMs: number };
}

export const DEFAULT_FALLBACK_ON = {
  statuses: [408, 429, 500, 502, 503, 504],
  connectionErrors: true,
  timeouts: true,
};
