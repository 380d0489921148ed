import type { TritonPromptFormat } from '../../adapters/chat-model/triton-prompt.js';
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
  /**
   * A local folder with the model's tokenizer (tokenizer.json, tokenizer_config.json): usage the upstream
   * does not report is then estimated with it instead of the heuristic (Node only).
   */
  tokenizer?: string;

  // Kind-specific options (config-references.ts rejects them on other kinds).

  /** openai-compatible: whether the API accepts `stream_options.include_usage` (default true). */
  streamUsage?: boolean;
  /** triton: the model version; by default Triton picks one by its version policy. */
  modelVersion?: string;
  /** triton: max_tokens for requests that set none (TensorRT-LLM ensembles require one). */
  defaultMaxTokens?: number;
  /** triton: send `exclude_input_in_output: true` (default true). */
  excludeInputInOutput?: boolean;
  /** triton: more top-level request keys, which Triton maps to model inputs (e.g. `end_id`). */
  inputs?: Record<string, unknown>;
  /** triton: how chat messages become the single `text_input` prompt. */
  promptTemplate?: TritonPromptFormat;
  /** bedrock: static AWS keys (usually `${ENV}` placeholders); default: the AWS SDK's chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** bedrock: a named profile of the shared AWS config files (instead of `credentials`). */
  profile?: string;
  /** bedrock: an endpoint override, e.g. a VPC interface endpoint (`https://vpce-...amazonaws.com`). */
  endpoint?: string;
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

/** One entry of a route's `targets`. */
export interface RouteTargetRef {
  /** A target or pool id. */
  ref: string;
  /** Used by `weighted`. */
  weight?: number;
  /**
   * A LoRA adapter served by the target (vllm or openai-compatible) or by the pool's replicas: sent
   * upstream as `model`, and pool placement prefers the replicas whose /v1/models lists it. A pool's
   * spillover target is called with its own model.
   */
  adapter?: string;
}

export interface RouteConfig {
  /** The logical model name clients send as `model`. */
  name: string;
  strategy: RouteStrategy;
  /** Target or pool refs. Order matters for `fallback`. */
  targets: RouteTargetRef[];
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
