import type { AnswerCost, AnswerUsage } from '@ragline/sdk/contracts';
import type { AppDeps } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import type { ChatMessage, ChatRequest, TokenUsage } from '../../ports/chat-model.js';
import type { CallOutcomeKind } from '../../ports/cost-repositories.js';
import type { RouteConfig } from '../gateway/gateway-config.js';
import type { ChatOutcome } from '../gateway/router.js';
import { stickyKeyOf } from '../gateway/sticky-key.js';
import { beginGatewayMetering } from '../metering/gateway-metering.js';
import { estimateChatInputTokens, estimatedUsage } from '../metering/usage-estimate.js';
import { microsToDollars } from '../pricing/money.js';

/** The gateway route an answer calls, resolved and allowed for the caller's key. */
export interface AnswerModel {
  /** The route name (what a client would send as `model`). */
  name: string;
  /** The definition to route by (a pinned version may differ from the router's current one). */
  route: RouteConfig;
  version: number | null;
}

export interface AnswerModelCall {
  deps: AppDeps;
  principal: Principal;
  requestId: string;
  /** The client's request signal: the upstream call is aborted when the client goes away. */
  signal: AbortSignal;
  /** Reads a request header, for routes sticky by header. */
  header: (name: string) => string | undefined;
  model: AnswerModel;
  messages: ChatMessage[];
  maxTokens: number;
  parameters: Record<string, unknown>;
  stream: boolean;
  /** On the usage record: `${name}@${version}` of the prompt, and the release id. */
  promptVersion: string | null;
  releaseId: string | null;
}

/** How a call ended, for the meter: the upstream's usage if it sent one, and the text generated. */
export interface AnswerCallEnd {
  outcome: CallOutcomeKind;
  usage: TokenUsage | null;
  text: string;
}

export interface AnswerAccounting {
  usage: Pick<AnswerUsage, 'inputTokens' | 'outputTokens' | 'source'>;
  cost: AnswerCost;
}

export interface MeteredAnswerCall {
  outcome: ChatOutcome;
  /** Settles the call once: prices it and queues its usage record (when this server meters). */
  finish(end: AnswerCallEnd): AnswerAccounting;
}

const NO_COST: AnswerCost = { micros: 0, dollars: microsToDollars(0), basis: 'unpriced' };

/**
 * Calls the answer's model through the gateway router the way `/v1/chat/completions` does
 * (routes/gateway-call.ts): the meter admits the call against the key's rate limits and reserves its
 * maximum cost (429 / 402 before any upstream call), the router retries and falls back, and the
 * caller settles the ticket with what came back. The usage record carries `promptVersion` and
 * `releaseId`, so usage can be grouped by prompt and release.
 */
export async function callAnswerModel(call: AnswerModelCall): Promise<MeteredAnswerCall> {
  const { deps, model } = call;
  const gateway = deps.gateway;
  if (!gateway) throw new Error('callAnswerModel needs a gateway');
  const metered = await beginGatewayMetering({
    deps,
    principal: call.principal,
    requestId: call.requestId,
    kind: 'chat',
    route: model.route,
    routeVersion: model.version,
    stream: call.stream,
    inputTokens: (estimator) => estimateChatInputTokens(call.messages, estimator),
    maxOutputTokens: call.maxTokens,
    promptVersion: call.promptVersion,
    releaseId: call.releaseId,
  });
  const request: ChatRequest = {
    ...call.parameters,
    model: model.name,
    messages: call.messages,
    max_tokens: call.maxTokens,
  };
  // Answers have no OpenAI `user` field: only header stickiness applies.
  const stickyKey = stickyKeyOf(model.route, undefined, call.header);
  let outcome: ChatOutcome;
  try {
    outcome = await gateway.router.chat({
      route: model.name,
      definition: model.route,
      request,
      stream: call.stream,
      ...(stickyKey !== undefined && { stickyKey }),
      signal: call.signal,
      includeUsage: true,
      ...(metered && { observer: metered.ticket.observer }),
    });
  } catch (error) {
    metered?.ticket.abandon();
    throw error;
  }
  const target = outcome.target;
  let finished = false;
  return {
    outcome,
    finish(end) {
      if (finished) throw new Error('an answer call was settled twice');
      finished = true;
      if (!metered) {
        const estimator = gateway.tokenizers.estimatorFor(target.id);
        const usage =
          end.usage ?? estimatedUsage(estimateChatInputTokens(call.messages, estimator), end.text, estimator);
        return {
          usage: {
            inputTokens: usage.inputTokens,
            outputTokens: usage.outputTokens,
            source: end.usage ? 'upstream' : 'estimated',
          },
          cost: NO_COST,
        };
      }
      const record = metered.finish(target, { outcome: end.outcome, usage: end.usage, text: () => end.text });
      return {
        usage: {
          inputTokens: record.inputTokens,
          outputTokens: record.outputTokens,
          source: record.usageSource,
        },
        cost: {
          micros: record.costMicros,
          dollars: microsToDollars(record.costMicros),
          basis: record.costBasis,
        },
      };
    },
  };
}
