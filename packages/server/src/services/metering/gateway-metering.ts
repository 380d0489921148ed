import type { AppDeps } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import type { ChatTarget, TokenUsage } from '../../ports/chat-model.js';
import type { CallOutcomeKind, MeteredKind, UsageRecord } from '../../ports/cost-repositories.js';
import type { RouteConfig } from '../gateway/gateway-config.js';
import { targetsOfRoute } from '../gateway/route-targets.js';
import { callerOf } from './caller.js';
import type { MeterTicket } from './meter.js';
import { estimatedUsage, heuristicEstimator, type TokenEstimator } from './usage-estimate.js';

export interface GatewayCallMetering {
  deps: AppDeps;
  principal: Principal;
  requestId: string;
  kind: Extract<MeteredKind, 'chat' | 'completion' | 'judge'>;
  route: RouteConfig;
  routeVersion: number | null;
  stream: boolean;
  /** The request's prompt tokens, counted with the given estimator. */
  inputTokens: (estimator: TokenEstimator) => number;
  maxOutputTokens: number;
  promptVersion?: string | null;
  releaseId?: string | null;
}

export interface GatewayTicket {
  /** Pass to the router (`observer`): attributes GPU time of the attempts to this call. */
  ticket: MeterTicket;
  /** Settles the call with what the serving target reported, or an estimate from the text it generated. */
  finish(
    target: ChatTarget,
    end: { outcome: CallOutcomeKind; usage: TokenUsage | null; text: () => string },
  ): UsageRecord;
}

/**
 * Meters one call through the gateway router: admits it against the key's rate limits and reserves its
 * maximum cost against hard budgets (429 / 402 before any upstream call), at the highest price among
 * the targets the route can reach. The reservation counts the prompt with the heuristic (no target is
 * chosen yet); a record the upstream gave no usage for is estimated with the serving target's own
 * tokenizer when it has one. Null when this server meters nothing.
 */
export async function beginGatewayMetering(input: GatewayCallMetering): Promise<GatewayTicket | null> {
  const { deps } = input;
  const costs = deps.costs;
  const gateway = deps.gateway;
  if (!costs || !gateway) return null;
  const ticket = await costs.meter.begin({
    caller: callerOf(input.principal),
    requestId: input.requestId,
    kind: input.kind,
    route: { name: input.route.name, version: input.routeVersion },
    candidates: targetsOfRoute(input.route, gateway.config).map((t) => ({ target: t.id, model: t.model })),
    inputTokens: input.inputTokens(heuristicEstimator),
    maxOutputTokens: input.maxOutputTokens,
    stream: input.stream,
    ...(input.promptVersion !== undefined && { promptVersion: input.promptVersion }),
    ...(input.releaseId !== undefined && { releaseId: input.releaseId }),
  });
  return {
    ticket,
    finish(target, end) {
      const estimator = gateway.tokenizers.estimatorFor(target.id);
      return ticket.finish({
        target: { id: target.id, kind: target.kind },
        model: target.model,
        usage: end.usage,
        estimate: () => ({
          usage: estimatedUsage(input.inputTokens(estimator), end.text(), estimator),
          method: estimator.method,
        }),
        outcome: end.outcome,
      });
    },
  };
}
