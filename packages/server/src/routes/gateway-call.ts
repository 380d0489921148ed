import type { Context } from 'hono';
import { ApiError } from '../core/api-error.js';
import { SSE_HEADERS } from '../core/sse.js';
import type { StreamPart, TokenUsage } from '../ports/chat-model.js';
import { resolveRouteForKey } from '../services/gateway/resolve-route.js';
import type { CallInput, CallOutcome, Router } from '../services/gateway/router.js';
import { stickyKeyOf } from '../services/gateway/sticky-key.js';
import { flushAfterCall } from '../services/metering/flush-after-call.js';
import { beginGatewayMetering } from '../services/metering/gateway-metering.js';
import { DEFAULT_MAX_OUTPUT_TOKENS } from '../services/metering/meter.js';
import type { TokenEstimator } from '../services/metering/usage-estimate.js';
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
  kind: 'chat' | 'completion' | 'judge';
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

  const metering = endpoint.metering;
  const ticket = await beginGatewayMetering({
    deps,
    principal: c.get('principal'),
    requestId: c.get('requestId'),
    kind: metering.kind,
    route,
    routeVersion: resolved.version ?? null,
    stream,
    inputTokens: (estimator) => metering.inputTokens(estimator),
    maxOutputTokens: metering.maxOutputTokens() ?? DEFAULT_MAX_OUTPUT_TOKENS,
  });

  // The request's own signal aborts when the client goes away; the router links each attempt to it.
  // (No AbortController of our own: on Node 20 every signal is promoted to the old generation.)
  const clientSignal = c.req.raw.signal;

  let outcome: CallOutcome<Result, StreamPart<Chunk>>;
  try {
    const stickyKey = stickyKeyOf(route, body.user, (name) => c.req.header(name));
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
