import { createMetricsRegistry } from './metrics-registry.js';

/**
 * The gateway's Prometheus metrics, exposed at `/metrics`. Runtime-neutral on purpose (see
 * metrics-registry.ts: prom-client pulls in Node-only modules, and the core must bundle for Workers).
 * Durations are passed in milliseconds and exposed in seconds, as Prometheus conventions ask.
 */
export interface GatewayMetrics {
  requestStarted(labels: { route: string; target: string }): void;
  requestFinished(labels: {
    route: string;
    target: string;
    status: 'ok' | 'error';
    /** e.g. `timeout`, `connection`, `http_503`, `stream_cut`; counted in `errors_total` when status is error. */
    errorKind?: string;
    stream: boolean;
    ms: number;
  }): void;
  firstToken(labels: { route: string; target: string; ms: number }): void;
  tokens(labels: { route: string; target: string; input: number; output: number }): void;
  circuitState(labels: { target: string; state: CircuitStateName }): void;
  placementDecision(labels: { pool: string; policy: string; target: string; reason: string }): void;
  inFlight(labels: { target: string }, delta: number): void;
  /** Prometheus text exposition (serve as `text/plain; version=0.0.4; charset=utf-8`). */
  render(): string;
}

export type CircuitStateName = 'closed' | 'open' | 'half_open';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Whole-request latency: from a fast cached answer (ms) to a long generation (10 minutes). */
export const REQUEST_DURATION_BUCKETS_MS: readonly number[] = [
  5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000,
  600_000,
];

/** Time to first token: prefill of a short prompt (tens of ms) to a queued long prompt (a minute). */
export const FIRST_TOKEN_BUCKETS_MS: readonly number[] = [
  10, 25, 50, 100, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 10_000, 30_000, 60_000,
];

const CIRCUIT_STATES: readonly CircuitStateName[] = ['closed', 'open', 'half_open'];
const MS_TO_S = 1 / 1000;

export function createGatewayMetrics(): GatewayMetrics {
  const registry = createMetricsRegistry();
  const p = 'ragline_gateway_';

  const started = registry.counter(`${p}requests_started_total`, 'Requests sent to a target.', [
    'route',
    'target',
  ]);
  const finished = registry.counter(`${p}requests_total`, 'Requests to a target that finished, by outcome.', [
    'route',
    'target',
    'status',
    'stream',
  ]);
  const errors = registry.counter(`${p}errors_total`, 'Failed requests to a target, by kind of failure.', [
    'route',
    'target',
    'kind',
  ]);
  const duration = registry.histogram(
    `${p}request_duration_seconds`,
    'Duration of requests to a target, from sending to the last byte.',
    ['route', 'target', 'stream'],
    REQUEST_DURATION_BUCKETS_MS,
    { scale: MS_TO_S },
  );
  const ttft = registry.histogram(
    `${p}time_to_first_token_seconds`,
    'Time from sending a request to its first content token.',
    ['route', 'target'],
    FIRST_TOKEN_BUCKETS_MS,
    { scale: MS_TO_S },
  );
  const tokens = registry.counter(`${p}tokens_total`, 'Tokens processed by targets, by direction.', [
    'route',
    'target',
    'direction',
  ]);
  // State-set style (one series per state, 1 for the current one) so alerts can match on `state="open"`.
  const circuit = registry.gauge(
    `${p}circuit_state`,
    'Circuit breaker state per target (1 = current state).',
    ['target', 'state'],
  );
  const placement = registry.counter(
    `${p}placement_decisions_total`,
    'Replica choices made by pool placement, by policy and reason.',
    ['pool', 'policy', 'target', 'reason'],
  );
  const inFlight = registry.gauge(`${p}in_flight_requests`, 'Requests in flight per target.', ['target']);

  return {
    requestStarted({ route, target }) {
      started.inc({ route, target });
    },
    requestFinished({ route, target, status, errorKind, stream, ms }) {
      const s = String(stream);
      finished.inc({ route, target, status, stream: s });
      if (status === 'error') errors.inc({ route, target, kind: errorKind ?? 'unknown' });
      duration.observe({ route, target, stream: s }, ms);
    },
    firstToken({ route, target, ms }) {
      ttft.observe({ route, target }, ms);
    },
    tokens({ route, target, input, output }) {
      tokens.inc({ route, target, direction: 'input' }, input);
      tokens.inc({ route, target, direction: 'output' }, output);
    },
    circuitState({ target, state }) {
      for (const s of CIRCUIT_STATES) circuit.set({ target, state: s }, s === state ? 1 : 0);
    },
    placementDecision(labels) {
      placement.inc(labels);
    },
    inFlight({ target }, delta) {
      inFlight.add({ target }, delta);
    },
    render: () => registry.render(),
  };
}
