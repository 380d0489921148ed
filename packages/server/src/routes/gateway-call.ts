import type { Context } from 'hono';
import { ApiError } from '../core/api-error.js';
import { SSE_HEADERS } from '../core/sse.js';
import type { AppDeps } from '../deps.js';
import type { Principal } from '../middleware/auth/index.js';
import type { ChatTarget, StreamPart, TokenUsage } from '../ports/chat-model.js';
import type { CallOutcomeKind, UsageRecord } from '../ports/cost-repositories.js';
import type { RouteConfig } from '../services/gateway/gateway-config.js';
import { resolveRouteForKey } from '../services/gateway/resolve-route.js';
import { targetsOfRoute } from '../services/gateway/route-targets.js';
import type { CallInput, CallOutcome, Router } from '../services/gateway/router.js';
import { callerOf } from '../services/metering/caller.js';
import { flushAfterCall } from '../services/metering/flush-after-call.js';
import { DEFAULT_MAX_OUTPUT_TOKENS, type MeterTicket } from '../services/metering/meter.js';
import {
  estimatedUsage,
  heuristicEstimator,
  type TokenEstimator,
} from '../services/metering/usage-estimate.js';
import {
  gatewaySseBody,
  type SseChunk,
  type StreamEnd,
  type UsageChunkShape,
  writeHeadersWithFirstFrames,
} from './gateway-sse.js';

/** The fields of an OpenAI request body that the front door itself reads, whatever the endpoint. */
export interface GatewayRequestBody {
  model: string;
  stream?: boolean | null | undefined;
  stream_options?: { include_usage?: boolean | null | undefined } | null | undefined;
  user?: string | undefined;
}

/** What the cost meter needs to know about an endpoint's requests and answers. */
export interface MeteredEndpoint<Result, Chunk> {
  kind: 'chat' | 'completion';
  /** Prompt tokens, estimated before the call (for reservations, rate limits and estimated records). */
  inputTokens(estimator: TokenEstimator): number;
  /** The request's max_tokens (or max_completion_tokens), when it sets one. */
  maxOutputTokens(): number | null;
  /** The generated text of a non-streaming answer, and its upstream usage. */
  resultText(result: Result): string;
  resultUsage(result: Result): TokenUsage | null;
  /** The generated text of one stream chunk. */
  chunkText(chunk: Chunk): string;
}

/** A router call with everything but the request body, which the endpoint adds. */
export type RoutedCall = Omit<CallInput<never>, 'request'>;

export interface GatewayEndpoint<Result, Chunk> {
  /** Calls the router for this endpoint (`router.chat`, `router.complete`) with the client's body. */
  call(router: Router, routed: RoutedCall): Promise<CallOutcome<Result, StreamPart<Chunk>>>;
  /** The JSON answer of a non-streaming call. */
  json(result: Result): unknown;
  usageChunk: UsageChunkShape;
  metering: MeteredEndpoint<Result, Chunk>;
}

/**
 * Serves one OpenAI endpoint through the gateway: resolves `model` to a route for the caller's key,
 * routes the call, and answers JSON or SSE with `x-ragline-target` and `x-ragline-overhead-ms`. A
 * client that goes away aborts the upstream call.
 */
export async function serveThroughGateway<Result, Chunk extends SseChunk>(
  c: Context,
  started: number,
  body: GatewayRequestBody,
  endpoint: GatewayEndpoint<Result, Chunk>,
): Promise<Response> {
  const deps = c.get('deps');
  const gateway = deps.gateway;
  const resolved = gateway ? await resolveRouteForKey(deps, c.get('principal'), body.model) : null;
  if (!gateway || !resolved) throw new ApiError('NOT_FOUND', `The model \`${body.model}\` does not exist`);
  const route = resolved.route;
  const stream = body.stream === true;

  const ticket = await beginMetering(deps, c, route, resolved.version ?? null, stream, endpoint.metering);

  // The request's own signal aborts when the client goes away; the router links each attempt to it.
  // (No AbortController of our own: on Node 20 every signal is promoted to the old generation.)
  const clientSignal = c.req.raw.signal;

  let outcome: CallOutcome<Result, StreamPart<Chunk>>;
  try {
    const stickyKey = stickyKeyOf(route, body.user, c);
    outcome = await endpoint.call(gateway.router, {
      route: body.model,
      ...(resolved.source === 'tenant' && { definition: route }),
      stream,
      ...(stickyKey !== undefined && { stickyKey }),
      signal: clientSignal,
      includeUsage: true,
      ...(ticket && { observer: ticket.ticket.observer }),
    });
  } catch (error) {
    ticket?.ticket.abandon();
    throw error;
  }
  const overhead = () => Math.max(0, performance.now() - started - outcome.upstreamMs).toFixed(2);
  if (!outcome.stream) {
    c.header('x-ragline-target', outcome.target.id);
    c.header('x-ragline-overhead-ms', overhead());
    if (ticket) {
      const result = outcome.result;
      const record = ticket.finish(outcome.target, {
        outcome: 'ok',
        usage: endpoint.metering.resultUsage(result),
        text: () => endpoint.metering.resultText(result),
      });
      if (record.costBasis !== 'unpriced') c.header('x-ragline-cost-micros', String(record.costMicros));
      await flushAfterCall(c, deps.costs);
    }
    return c.json(endpoint.json(outcome.result) as object);
  }
  const target = outcome.target;
  const sse = gatewaySseBody(outcome, {
    clientWantsUsage: body.stream_options?.include_usage === true,
    requestId: c.get('requestId'),
    usageChunk: endpoint.usageChunk,
    ...(ticket && {
      chunkText: endpoint.metering.chunkText,
      onEnd: (end: StreamEnd) => {
        ticket.finish(target, { outcome: end.outcome, usage: end.usage, text: () => end.text });
        // Awaited before the body closes, which keeps a Worker alive until the record is written.
        return flushAfterCall(c, deps.costs);
      },
    }),
  });
  writeHeadersWithFirstFrames(c);
  return new Response(sse, {
    headers: {
      ...SSE_HEADERS,
      'x-request-id': c.get('requestId'),
      'x-ragline-target': outcome.target.id,
      'x-ragline-overhead-ms': overhead(),
    },
  });
}

function stickyKeyOf(route: RouteConfig, user: string | undefined, c: Context): string | undefined {
  if (route.strategy !== 'weighted' || !route.stickyBy) return undefined;
  if (route.stickyBy === 'user') return user;
  return c.req.header(route.stickyBy.slice('header:'.length));
}

interface GatewayTicket {
  ticket: MeterTicket;
  finish(
    target: ChatTarget,
    end: { outcome: CallOutcomeKind; usage: TokenUsage | null; text: () => string },
  ): UsageRecord;
}

/**
 * Admits the call against the key's rate limits and reserves its maximum cost against hard budgets
 * (429 / 402 before any upstream call); null when this server meters nothing.
 */
async function beginMetering<Result, Chunk>(
  deps: AppDeps,
  c: Context,
  route: RouteConfig,
  routeVersion: number | null,
  stream: boolean,
  metering: MeteredEndpoint<Result, Chunk>,
): Promise<GatewayTicket | null> {
  const costs = deps.costs;
  if (!costs || !deps.gateway) return null;
  const principal: Principal = c.get('principal');
  // The reservation is made before a target is chosen: the heuristic; a record is estimated with the
  // serving target's own tokenizer when it has one.
  const inputTokens = metering.inputTokens(heuristicEstimator);
  const tokenizers = deps.gateway.tokenizers;
  const ticket = await costs.meter.begin({
    caller: callerOf(principal),
    requestId: c.get('requestId'),
    kind: metering.kind,
    route: { name: route.name, version: routeVersion },
    candidates: targetsOfRoute(route, deps.gateway.config).map((t) => ({ target: t.id, model: t.model })),
    inputTokens,
    maxOutputTokens: metering.maxOutputTokens() ?? DEFAULT_MAX_OUTPUT_TOKENS,
    stream,
  });
  return {
    ticket,
    finish(target, end) {
      const estimator = tokenizers.estimatorFor(target.id);
      return ticket.finish({
        target: { id: target.id, kind: target.kind },
        model: target.model,
        usage: end.usage,
        estimate: () => ({
          usage: estimatedUsage(metering.inputTokens(estimator), end.text(), estimator),
          method: estimator.method,
        }),
        outcome: end.outcome,
      });
    },
  };
}
