import type { ChatModel } from '../../ports/chat-model.js';
import type { Logger } from '../../ports/logger.js';
import {
  createTargetTokenizers,
  type TargetTokenizers,
  type TokenizerLoader,
} from '../metering/target-tokenizers.js';
import { type BuildChatModelOptions, buildChatModels } from './build-chat-models.js';
import { createPlacement } from './create-placement.js';
import type { GatewayConfig } from './gateway-config.js';
import { createHealthScraper, type HealthScraper } from './health-scraper.js';
import { createTargetHealth, type TargetHealth } from './health-store.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.js';
import type { Placement } from './placement.js';
import { createRouter, type Router } from './router.js';

/** The model gateway as the app sees it: the routing config, its router and its metrics. */
export interface Gateway {
  config: GatewayConfig;
  router: Router;
  metrics: GatewayMetrics;
  /** Load signals and in-flight counts per target, read by placement. */
  health: TargetHealth;
  /** Scrapes vLLM / trtllm load signals; the Node runtime starts it, Workers leave it off. */
  scraper: HealthScraper;
  /** Per-target token estimators for usage the upstream does not report (cost metering). */
  tokenizers: TargetTokenizers;
}

export const EMPTY_GATEWAY_CONFIG: GatewayConfig = { targets: [], pools: [], routes: [] };

export interface CreateGatewayOptions extends BuildChatModelOptions {
  /** Default: each pool's own policy (round robin, least loaded, prefix affinity) over `health`. */
  placement?: Placement;
  health?: TargetHealth;
  logger?: Logger;
  /** Default: built from the config's targets. */
  models?: ReadonlyMap<string, ChatModel>;
  metrics?: GatewayMetrics;
  /** Loads targets' `tokenizer` folders (Node passes runtime/node-tokenizer-loader.ts); without it, estimates are heuristic. */
  loadTokenizer?: TokenizerLoader;
  now?: () => number;
  random?: () => number;
}

export function createGateway(
  config: GatewayConfig = EMPTY_GATEWAY_CONFIG,
  options: CreateGatewayOptions = {},
): Gateway {
  const metrics = options.metrics ?? createGatewayMetrics();
  const health = options.health ?? createTargetHealth();
  const scraper = createHealthScraper({
    targets: config.targets,
    health,
    ...(options.fetch && { fetch: options.fetch }),
    ...(options.logger && { logger: options.logger }),
  });
  const router = createRouter({
    config,
    models: options.models ?? buildChatModels(config.targets, options),
    placement: options.placement ?? createPlacement({ targets: config.targets }, health),
    metrics,
    ...(options.now && { now: options.now }),
    ...(options.random && { random: options.random }),
  });
  const tokenizers = createTargetTokenizers(config.targets, {
    ...(options.loadTokenizer && { load: options.loadTokenizer }),
    ...(options.logger && { logger: options.logger }),
  });
  return { config, router, metrics, health, scraper, tokenizers };
}
