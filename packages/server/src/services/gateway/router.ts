import { ApiError } from '../../core/api-error.js';
import { raceAbort } from '../../core/race-abort.js';
import { abortableSleep } from '../../core/retry.js';
import {
  type ChatCallOptions,
  type ChatModel,
  type ChatRequest,
  type ChatResult,
  type ChatStreamPart,
  type ChatTarget,
  type CompletionRequest,
  type CompletionResult,
  type CompletionStreamPart,
  type StreamPart,
  type TokenUsage,
  UpstreamError,
} from '../../ports/chat-model.js';
import { type CircuitBreaker, createCircuitBreaker, DEFAULT_CIRCUIT_BREAKER } from './circuit-breaker.js';
import {
  DEFAULT_FALLBACK_ON,
  DEFAULT_TIMEOUTS,
  type GatewayConfig,
  type RouteConfig,
  type RouteTargetRef,
  type TargetTimeouts,
} from './gateway-config.js';
import type { GatewayMetrics } from './metrics.js';
import type { Placement } from './placement.js';
import { prefixKeyOf } from './prefix-key.js';
import { expandRefs, type PlannedTarget, upstreamModel } from './route-plan.js';
import { completionPrefixKeyOf, firstTextOf, firstTokenOf, stickyBucket } from './router-keys.js';

export type TimeoutKind = 'connect' | 'first-token' | 'idle' | 'total';

export type AttemptOutcome =
  | 'ok'
  | 'http'
  | 'connection'
  | 'protocol'
  | 'stream-error'
  | 'timeout'
  | 'aborted'
  /** The target refused the request as invalid (ApiError): no fallback. */
  | 'rejected'
  /** Skipped: the target's circuit is open. */
  | 'circuit-open';

/** One try of one target, for headers, metrics and logs. */
export interface ChatAttempt {
  target: string;
  outcome: AttemptOutcome;
  ms: number;
  status?: number;
  timeout?: TimeoutKind;
  retryAfterMs?: number;
  message?: string;
}

export interface CallInput<Request> {
  /** The route name (the client's `model`). */
  route: string;
  /** A tenant's API-managed route definition; when absent, the config-file route named `route`. */
  definition?: RouteConfig;
  /** The client's body; `model` is replaced by each target's upstream model. */
  request: Request;
  stream: boolean;
  /** For `weighted` routes: the same key always lands on the same variant. */
  stickyKey?: string;
  /** Aborting it (the client left) aborts the upstream call; no fallback follows. */
  signal: AbortSignal;
  /** Ask targets for the stream's usage part. Default true. */
  includeUsage?: boolean;
  /** Told when each attempt begins and ends (the cost meter attributes GPU time with it). */
  observer?: AttemptObserver;
}

export interface AttemptObserver {
  /** An attempt on `targetId` is about to send its request. */
  started(targetId: string): void;
  /** That attempt is over: its answer is complete, it failed, or its stream ended or was cancelled. */
  ended(targetId: string, ok: boolean): void;
}

export type ChatCallInput = CallInput<ChatRequest>;
/** A legacy completion (`POST /v1/completions`), routed exactly like a chat call. */
export type CompletionCallInput = CallInput<CompletionRequest>;

interface OutcomeBase {
  target: ChatTarget;
  attempts: ChatAttempt[];
  /** Time spent waiting on upstreams (all attempts and Retry-After waits; for streams, up to the first token). */
  upstreamMs: number;
}

export interface CompletedOutcome<Result> extends OutcomeBase {
  stream: false;
  result: Result;
}

export interface StreamOutcome<Part> extends OutcomeBase {
  stream: true;
  /** Parts received before and including the first content token (role-only chunks come first). */
  head: Part[];
  /** The rest; throws StreamInterruptedError on a failure after the first token. Iterate at most once. */
  rest: AsyncIterable<Part>;
  /** Abort the upstream call and free its resources; safe to call at any time, more than once. */
  cancel(): void;
}

export type CallOutcome<Result, Part> = CompletedOutcome<Result> | StreamOutcome<Part>;

export type ChatCompletionOutcome = CompletedOutcome<ChatResult>;
export type ChatStreamOutcome = StreamOutcome<ChatStreamPart>;
export type ChatOutcome = CallOutcome<ChatResult, ChatStreamPart>;
export type CompletionOutcome = CallOutcome<CompletionResult, CompletionStreamPart>;

export type StreamInterruptReason = 'upstream' | 'idle-timeout' | 'total-timeout' | 'aborted';

/** A stream that failed after its first token: the client must see an error, never a clean end. */
export class StreamInterruptedError extends Error {
  override readonly name = 'StreamInterruptedError';
  constructor(
    message: string,
    readonly details: { target: string; reason: StreamInterruptReason },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface Router {
  chat(input: ChatCallInput): Promise<ChatOutcome>;
  /** A legacy completion: the same routing, fallback, retries, timeouts, breakers and metrics as chat. */
  complete(input: CompletionCallInput): Promise<CompletionOutcome>;
  /** Route names, in config order. */
  routeNames(): string[];
  circuitState(targetId: string): ReturnType<CircuitBreaker['state']>;
}

export interface RouterOptions {
  config: GatewayConfig;
  models: ReadonlyMap<string, ChatModel>;
  placement: Placement;
  /** Milliseconds, monotonic; default performance.now. Timers are real timers. */
  now?: () => number;
  random?: () => number;
  metrics?: GatewayMetrics;
}

interface Failure {
  kind: 'http' | 'connection' | 'protocol' | 'stream-error' | 'timeout';
  error: Error;
  status?: number;
  retryAfterMs?: number;
  timeout?: TimeoutKind;
}

class AttemptTimeout extends Error {
  constructor(readonly kind: TimeoutKind) {
    super(`${kind} timeout`);
  }
}

/**
 * What differs between the calls the router routes (chat, legacy completions): the port methods, what
 * counts as the first token, and the prefix key placement sees. Everything else is the one attempt loop.
 */
interface CallKind<Request, Result, Part extends StreamPart<unknown>> {
  generate(model: ChatModel, request: Request, options: ChatCallOptions): Promise<Result>;
  stream(model: ChatModel, request: Request, options: ChatCallOptions): Promise<AsyncIterable<Part>>;
  firstToken(part: Part): boolean;
  prefixKey(request: Request): string;
}

const CHAT: CallKind<ChatRequest, ChatResult, ChatStreamPart> = {
  generate: (model, request, options) => model.generate(request, options),
  stream: (model, request, options) => model.stream(request, options),
  firstToken: firstTokenOf,
  prefixKey: (request) => prefixKeyOf(request),
};

const COMPLETIONS: CallKind<CompletionRequest, CompletionResult, CompletionStreamPart> = {
  generate: (model, request, options) => model.complete(request, options),
  stream: (model, request, options) => model.streamCompletion(request, options),
  firstToken: firstTextOf,
  prefixKey: completionPrefixKeyOf,
};

/**
 * Routes one chat or legacy completion call: picks targets by the route's strategy (pools expand through placement), retries
 * and falls back only before the first token, applies per-target timeouts and circuit breakers, and
 * records every attempt.
 */
export function createRouter(options: RouterOptions): Router {
  const { config, models, placement, metrics } = options;
  const now = options.now ?? (() => performance.now());
  const random = options.random ?? Math.random;
  const routes = new Map(config.routes.map((route) => [route.name, route]));
  const targets = new Map(config.targets.map((target) => [target.id, target]));
  const pools = new Map(config.pools.map((pool) => [pool.id, pool]));
  const breakers = new Map<string, CircuitBreaker>();

  function breakerFor(targetId: string, route: RouteConfig): CircuitBreaker {
    let breaker = breakers.get(targetId);
    if (!breaker) {
      breaker = createCircuitBreaker(route.circuitBreaker ?? DEFAULT_CIRCUIT_BREAKER, now, (state) =>
        metrics?.circuitState({ target: targetId, state: state === 'half-open' ? 'half_open' : state }),
      );
      breakers.set(targetId, breaker);
    }
    return breaker;
  }

  function timeoutsFor(targetId: string, route: RouteConfig): TargetTimeouts {
    return { ...DEFAULT_TIMEOUTS, ...route.timeouts, ...targets.get(targetId)?.timeouts };
  }

  /** Targets in the order to try them, each with its ref's LoRA adapter. */
  function plan<Request>(
    route: RouteConfig,
    input: CallInput<Request>,
    keyOf: (request: Request) => string,
  ): PlannedTarget[] {
    let refs: RouteTargetRef[] = route.targets;
    if (route.strategy === 'single') refs = refs.slice(0, 1);
    else if (route.strategy === 'weighted' && route.targets.length > 1) {
      const total = route.targets.reduce((sum, t) => sum + Math.max(0, t.weight ?? 1), 0);
      const point =
        input.stickyKey !== undefined
          ? stickyBucket(`${route.name}\u0000${input.stickyKey}`) * total
          : random() * total;
      let chosen = 0;
      let acc = 0;
      for (const [i, t] of route.targets.entries()) {
        acc += Math.max(0, t.weight ?? 1);
        if (point < acc) {
          chosen = i;
          break;
        }
      }
      // The chosen variant first; the others remain as fallbacks before the first token.
      refs = [refs[chosen] as RouteTargetRef, ...refs.filter((_, i) => i !== chosen)];
    }
    return expandRefs(refs, {
      pools,
      placement,
      prefixKey: () => keyOf(input.request),
      ...(metrics && { metrics }),
    });
  }

  function movesOn(route: RouteConfig, failure: Failure): boolean {
    const on = route.fallbackOn ?? DEFAULT_FALLBACK_ON;
    switch (failure.kind) {
      case 'timeout':
        return on.timeouts;
      case 'http':
        return failure.status !== undefined && on.statuses.includes(failure.status);
      case 'stream-error':
        return failure.status !== undefined ? on.statuses.includes(failure.status) : on.connectionErrors;
      default:
        return on.connectionErrors;
    }
  }

  /** Whether the failure says something is wrong with the target (and counts towards its circuit). */
  function targetFault(failure: Failure): boolean {
    if (failure.kind !== 'http') return true;
    const status = failure.status ?? 500;
    return status >= 500 || status === 429 || status === 408;
  }

  function toFailure(error: unknown, timedOut: TimeoutKind | undefined): Failure {
    if (timedOut) {
      return {
        kind: 'timeout',
        timeout: timedOut,
        error: new Error(`${timedOut} timeout`, { cause: error }),
      };
    }
    if (error instanceof UpstreamError) {
      const kind = error.details.kind === 'aborted' ? 'connection' : error.details.kind;
      return {
        kind,
        error,
        ...(error.details.status !== undefined && { status: error.details.status }),
        ...(error.details.retryAfterMs !== undefined && { retryAfterMs: error.details.retryAfterMs }),
      };
    }
    return { kind: 'connection', error: error instanceof Error ? error : new Error(String(error)) };
  }

  async function run<
    Request extends { model: string },
    Result extends { usage: TokenUsage | null },
    Part extends StreamPart<unknown>,
  >(kind: CallKind<Request, Result, Part>, input: CallInput<Request>): Promise<CallOutcome<Result, Part>> {
    const route = input.definition ?? routes.get(input.route);
    if (!route) {
      throw new ApiError('NOT_FOUND', `The model \`${input.route}\` does not exist`, {
        details: { field: 'model' },
      });
    }
    const attempts: ChatAttempt[] = [];
    let upstreamMs = 0;
    let last: Failure | undefined;
    const retries = Math.max(0, route.retry?.attempts ?? 0);
    const maxRetryAfterMs = route.retry?.maxRetryAfterMs ?? 0;

    for (const { targetId, adapter } of plan(route, input, kind.prefixKey)) {
      const model = models.get(targetId);
      if (!model) continue;
      const breaker = breakerFor(targetId, route);
      const timeouts = timeoutsFor(targetId, route);
      for (let attempt = 0; attempt <= retries; attempt++) {
        if (!breaker.tryAcquire()) {
          attempts.push({ target: targetId, outcome: 'circuit-open', ms: 0 });
          break;
        }
        const request = { ...input.request, model: upstreamModel(model.target, adapter) };
        const t0 = now();
        placement.started(targetId);
        input.observer?.started(targetId);
        metrics?.requestStarted({ route: route.name, target: targetId });
        metrics?.inFlight({ target: targetId }, 1);
        const call = startCall(input.signal, timeouts, now);
        // Headers arrived: the connect deadline is met (a non-streaming body may still take long).
        const onResponse = () => call.clear('connect');
        let handedOver = false;
        try {
          if (!input.stream) {
            const result = await call.race(
              kind.generate(model, request, { signal: call.signal, onResponse }),
            );
            call.dispose();
            const ms = now() - t0;
            upstreamMs += ms;
            attempts.push({ target: targetId, outcome: 'ok', ms });
            breaker.success();
            placement.finished(targetId, { ok: true, firstTokenMs: ms });
            input.observer?.ended(targetId, true);
            finishedMetrics(route.name, targetId, false, ms, undefined);
            if (result.usage) {
              metrics?.tokens({
                route: route.name,
                target: targetId,
                input: result.usage.inputTokens,
                output: result.usage.outputTokens,
              });
            }
            return { stream: false, target: model.target, result, attempts, upstreamMs };
          }
          const iterable = await call.race(
            kind.stream(model, request, {
              signal: call.signal,
              includeUsage: input.includeUsage !== false,
              onResponse,
            }),
          );
          call.clear('connect');
          const iterator = iterable[Symbol.asyncIterator]();
          const head: Part[] = [];
          let ended = false;
          for (;;) {
            const next = await call.race(iterator.next());
            if (next.done) {
              ended = true;
              break;
            }
            head.push(next.value);
            if (kind.firstToken(next.value)) break;
          }
          call.clear('first-token');
          const ms = now() - t0;
          upstreamMs += ms;
          attempts.push({ target: targetId, outcome: 'ok', ms });
          metrics?.firstToken({ route: route.name, target: targetId, ms });
          handedOver = true;
          const rest = streamRest<Part>({
            routeName: route.name,
            targetId,
            iterator,
            ended,
            call,
            breaker,
            started: t0,
            idleMs: timeouts.idleMs,
            firstTokenMs: ms,
            ...(input.observer && { observer: input.observer }),
          });
          return {
            stream: true,
            target: model.target,
            head,
            rest: rest.iterable,
            cancel: rest.cancel,
            attempts,
            upstreamMs,
          };
        } catch (error) {
          const ms = now() - t0;
          upstreamMs += ms;
          if (!handedOver) {
            call.abort();
            call.dispose();
          }
          placement.finished(targetId, { ok: false });
          input.observer?.ended(targetId, false);
          if (error instanceof ApiError) {
            breaker.release();
            attempts.push({ target: targetId, outcome: 'rejected', ms, message: error.message });
            finishedMetrics(route.name, targetId, input.stream, ms, 'rejected');
            throw error;
          }
          if (input.signal.aborted) {
            breaker.release();
            attempts.push({ target: targetId, outcome: 'aborted', ms });
            finishedMetrics(route.name, targetId, input.stream, ms, 'client_aborted');
            throw error;
          }
          const failure = toFailure(error, call.timedOut());
          last = failure;
          attempts.push({
            target: targetId,
            outcome: failure.kind,
            ms,
            ...(failure.status !== undefined && { status: failure.status }),
            ...(failure.timeout && { timeout: failure.timeout }),
            ...(failure.retryAfterMs !== undefined && { retryAfterMs: failure.retryAfterMs }),
            message: failure.error.message,
          });
          if (targetFault(failure)) breaker.failure();
          else breaker.release();
          finishedMetrics(route.name, targetId, input.stream, ms, errorKindOf(failure));
          if (!movesOn(route, failure)) throw toApiError(route, failure, attempts);
          if (attempt === retries) break;
          if (failure.retryAfterMs !== undefined) {
            if (failure.retryAfterMs > maxRetryAfterMs) break;
            const w0 = now();
            await abortableSleep(failure.retryAfterMs, input.signal);
            upstreamMs += now() - w0;
          }
        }
      }
    }
    throw exhausted(route, attempts, last);
  }

  function finishedMetrics(
    routeName: string,
    targetId: string,
    stream: boolean,
    ms: number,
    errorKind: string | undefined,
  ) {
    if (!metrics) return;
    metrics.inFlight({ target: targetId }, -1);
    metrics.requestFinished({
      route: routeName,
      target: targetId,
      status: errorKind ? 'error' : 'ok',
      ...(errorKind && { errorKind }),
      stream,
      ms,
    });
  }

  /**
   * The parts after the first token, with the idle timeout, the abort and the attempt's bookkeeping when
   * the stream ends. One iterator object, not an async generator: per part it costs the promise `next`
   * returns and two clock reads (the idle deadline is checked when its timer fires, not re-armed per
   * part), and the abort is one listener per stream instead of a race per part.
   */
  function streamRest<Part extends StreamPart<unknown>>(args: {
    routeName: string;
    targetId: string;
    iterator: AsyncIterator<Part>;
    ended: boolean;
    call: Call;
    breaker: CircuitBreaker;
    started: number;
    idleMs: number;
    firstTokenMs: number;
    observer?: AttemptObserver;
  }): { iterable: AsyncIterable<Part>; cancel: () => void } {
    const { targetId, iterator, call, breaker } = args;
    let settled = false;
    const settle = (outcome: 'ok' | 'error' | 'neutral', errorKind?: string) => {
      if (settled) return;
      settled = true;
      call.signal.removeEventListener('abort', onAbort);
      call.dispose();
      if (outcome === 'ok') breaker.success();
      else if (outcome === 'error') breaker.failure();
      else breaker.release();
      placement.finished(targetId, { ok: outcome !== 'error', firstTokenMs: args.firstTokenMs });
      args.observer?.ended(targetId, outcome !== 'error');
      finishedMetrics(args.routeName, targetId, true, now() - args.started, errorKind);
    };
    const cancel = () => {
      if (settled) return;
      // Settled first (which also stops listening for the abort): a `next` still waiting then fails
      // as aborted, not as a cut stream that would count against the target's circuit.
      settle('neutral', 'client_aborted');
      call.abort();
      onError(call.signal.reason);
      void iterator.return?.()?.catch(() => {});
    };
    /** No part is handed out any more (the stream ended, failed or was given up). */
    let finished = false;
    /**
     * The `next` waiting on the upstream (undefined when none is); the upstream's answer or the abort
     * settles it, whichever comes first.
     */
    let resolveWaiting: ((result: IteratorResult<Part, undefined>) => void) | undefined;
    let rejectWaiting: (error: unknown) => void = () => {};
    const capture = (
      resolve: (result: IteratorResult<Part, undefined>) => void,
      reject: (error: unknown) => void,
    ) => {
      resolveWaiting = resolve;
      rejectWaiting = reject;
    };

    /** The error the consumer sees, with the attempt settled by what happened. */
    const failure = (error: unknown): StreamInterruptedError => {
      finished = true;
      if (settled) return interrupted(targetId, 'aborted', error);
      const timedOut = call.timedOut();
      if (call.callerAborted()) {
        settle('neutral', 'client_aborted');
        return interrupted(targetId, 'aborted', error);
      }
      const reason: StreamInterruptReason =
        timedOut === 'idle' ? 'idle-timeout' : timedOut ? 'total-timeout' : 'upstream';
      settle('error', reason === 'upstream' ? 'stream_cut' : 'timeout');
      return interrupted(targetId, reason, error);
    };
    const onPart = (next: IteratorResult<Part>) => {
      const resolve = resolveWaiting;
      if (!resolve) return; // the abort already answered
      resolveWaiting = undefined;
      call.waitEnded();
      if (next.done) {
        finished = true;
        settle('ok');
        resolve(DONE);
        return;
      }
      const part = next.value;
      if (part.type === 'usage') {
        metrics?.tokens({
          route: args.routeName,
          target: targetId,
          input: part.usage.inputTokens,
          output: part.usage.outputTokens,
        });
      }
      resolve({ done: false, value: part });
    };
    const onError = (error: unknown) => {
      if (!resolveWaiting) return;
      resolveWaiting = undefined;
      call.waitEnded();
      rejectWaiting(failure(error));
    };
    // The adapter's pending `next` may never settle after an abort: answer the consumer at once.
    const onAbort = () => onError(call.signal.reason);

    const rest: AsyncIterator<Part, undefined> = {
      next() {
        if (finished) return Promise.resolve(DONE);
        if (args.ended) {
          finished = true;
          settle('ok');
          return Promise.resolve(DONE);
        }
        if (call.signal.aborted) return Promise.reject(failure(call.signal.reason));
        const answer = new Promise(capture);
        call.waitStarted(args.idleMs);
        try {
          iterator.next().then(onPart, onError);
        } catch (error) {
          onError(error);
        }
        return answer;
      },
      return() {
        finished = true;
        if (!settled) cancel();
        return Promise.resolve(DONE);
      },
    };
    call.signal.addEventListener('abort', onAbort, { once: true });
    return { iterable: { [Symbol.asyncIterator]: () => rest }, cancel };
  }

  return {
    chat: (input) => run(CHAT, input),
    complete: (input) => run(COMPLETIONS, input),
    routeNames: () => config.routes.map((route) => route.name),
    circuitState: (targetId) => breakers.get(targetId)?.state() ?? 'closed',
  };
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

function interrupted(target: string, reason: StreamInterruptReason, cause: unknown): StreamInterruptedError {
  const what =
    reason === 'idle-timeout'
      ? 'the upstream went silent mid-stream'
      : reason === 'total-timeout'
        ? 'the call ran past its total timeout'
        : reason === 'aborted'
          ? 'the call was aborted'
          : `the upstream stream failed: ${cause instanceof Error ? cause.message : String(cause)}`;
  return new StreamInterruptedError(`${target}: ${what}`, { target, reason }, { cause });
}

function errorKindOf(failure: Failure): string {
  if (failure.kind === 'http') return `http_${failure.status ?? 'unknown'}`;
  return failure.kind.replace('-', '_');
}

function toApiError(route: RouteConfig, failure: Failure, attempts: ChatAttempt[]): ApiError {
  const details = { route: route.name, attempts };
  const message = failure.error.message;
  if (failure.kind === 'timeout') {
    return new ApiError('UPSTREAM_TIMEOUT', `route "${route.name}": ${message}`, { details });
  }
  const status = failure.status;
  if (status === 429) {
    return new ApiError('RATE_LIMITED', `route "${route.name}": ${message}`, {
      details,
      ...(failure.retryAfterMs !== undefined && {
        headers: { 'retry-after': String(Math.ceil(failure.retryAfterMs / 1000)) },
      }),
    });
  }
  if (status === 400 || status === 413 || status === 422) {
    return new ApiError('INVALID_REQUEST', `the upstream rejected the request: ${message}`, { details });
  }
  return new ApiError('UPSTREAM_ERROR', `route "${route.name}": ${message}`, { details });
}

function exhausted(route: RouteConfig, attempts: ChatAttempt[], last: Failure | undefined): ApiError {
  if (last) return toApiError(route, last, attempts);
  // A pinned route version or a tenant route can name targets the current config no longer has.
  const why =
    attempts.length === 0
      ? `none of its targets (${route.targets.map((t) => t.ref).join(', ')}) exists in this gateway's configuration`
      : 'no target is available (circuits open)';
  return new ApiError('UPSTREAM_ERROR', `route "${route.name}": ${why}`, {
    details: { route: route.name, attempts },
  });
}

interface Call {
  signal: AbortSignal;
  /** Rejects as soon as the call is aborted, even if the adapter's promise would hang. */
  race<T>(promise: Promise<T>): Promise<T>;
  arm(kind: TimeoutKind, ms: number): void;
  clear(kind: TimeoutKind): void;
  /** A wait for the next stream part begins: the idle timeout fires if it lasts `idleMs`. */
  waitStarted(idleMs: number): void;
  waitEnded(): void;
  timedOut(): TimeoutKind | undefined;
  callerAborted(): boolean;
  abort(): void;
  dispose(): void;
}

/** One attempt's AbortController, linked to the caller's signal, with its deadlines. */
function startCall(caller: AbortSignal, timeouts: TargetTimeouts, now: () => number): Call {
  const controller = new AbortController();
  const timers = new Map<TimeoutKind, ReturnType<typeof setTimeout>>();
  let timedOut: TimeoutKind | undefined;
  const onCallerAbort = () => controller.abort(caller.reason);
  if (caller.aborted) controller.abort(caller.reason);
  else caller.addEventListener('abort', onCallerAbort, { once: true });
  const expire = (kind: TimeoutKind) => {
    timedOut ??= kind;
    controller.abort(new AttemptTimeout(kind));
  };
  const arm = (kind: TimeoutKind, ms: number) => {
    clearTimeout(timers.get(kind));
    timers.set(
      kind,
      setTimeout(() => expire(kind), ms),
    );
  };
  // The idle timer is not re-armed per part: when it fires, it checks how long the current wait has
  // lasted, and sleeps again for the rest (or until the next wait begins when none is under way).
  let idleMs = 0;
  let waitingSince: number | undefined;
  const checkIdle = () => {
    timers.delete('idle');
    if (waitingSince === undefined) return;
    const left = idleMs - (now() - waitingSince);
    if (left <= 0) expire('idle');
    else timers.set('idle', setTimeout(checkIdle, left));
  };
  arm('total', timeouts.totalMs);
  arm('connect', timeouts.connectMs);
  arm('first-token', timeouts.firstTokenMs);
  return {
    signal: controller.signal,
    // A long stream races every chunk against this signal; raceAbort keeps no chunk alive after it settles.
    race: (promise) => raceAbort(promise, controller.signal),
    arm,
    clear(kind) {
      clearTimeout(timers.get(kind));
      timers.delete(kind);
    },
    waitStarted(ms) {
      idleMs = ms;
      waitingSince = now();
      if (!timers.has('idle')) timers.set('idle', setTimeout(checkIdle, ms));
    },
    waitEnded() {
      waitingSince = undefined;
    },
    timedOut: () => timedOut,
    callerAborted: () => caller.aborted,
    abort: () => controller.abort(new Error('cancelled')),
    dispose() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      caller.removeEventListener('abort', onCallerAbort);
    },
  };
}
