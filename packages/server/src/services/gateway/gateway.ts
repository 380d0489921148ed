import type { ChatModel } from '../../ports/chat-model.js';
import { type BuildChatModelOptions, buildChatModels } from './build-chat-models.js';
import type { GatewayConfig } from './gateway-config.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.js';
import { createRoundRobinPlacement, type Placement } from './placement.js';
import { createRouter, type Router } from './router.js';

/** The model gateway as the app sees it: the routing config, its router and its metrics. */
export interface Gateway {
  config: GatewayConfig;
  router: Router;
  metrics: GatewayMetrics;
}

export const EMPTY_GATEWAY_CONFIG: GatewayConfig = { targets: [], pools: [], routes: [] };

export interface CreateGatewayOptions extends BuildChatModelOptions {
  /** Default: round robin over each pool's replicas. */
  placement?: Placement;
  /** Default: built from the config's targets. */
  models?: ReadonlyMap<string, ChatModel>;
  metrics?: GatewayMetrics;
  now?: () => number;
  random?: () => number;
}

export function createGateway(
  config: GatewayConfig = EMPTY_GATEWAY_CONFIG,
  options: CreateGatewayOptions = {},
): Gateway {
  const metrics = options.metrics ?? createGatewayMetrics();
  const router = createRouter({
    config,
    models: options.models ?? buildChatModels(config.targets, options),
    placement: options.placement ?? createRoundRobinPlacement(),
    metrics,
    ...(options.now && { now: options.now }),
    ...(options.random && { random: options.random }),
  });
  return { config, router, metrics };
}
