import { describe, expect, it } from 'vitest';
import { createGatewayMetrics } from './metrics.js';

/** The lines of one metric family (HELP, TYPE and samples) from an exposition. */
function family(text: string, name: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`# HELP ${name} `));
  expect(start, `family ${name}`).toBeGreaterThanOrEqual(0);
  let end = start + 2;
  while (end < lines.length && lines[end] !== '' && !(lines[end] as string).startsWith('# HELP')) end++;
  return lines.slice(start, end).join('\n');
}

describe('createGatewayMetrics', () => {
  it('counts requests by outcome and errors by kind', () => {
    const m = createGatewayMetrics();
    m.requestStarted({ route: 'chat', target: 'vllm-1' });
    m.requestStarted({ route: 'chat', target: 'vllm-1' });
    m.requestStarted({ route: 'chat', target: 'openai' });
    m.requestFinished({ route: 'chat', target: 'vllm-1', status: 'ok', stream: true, ms: 1200 });
    m.requestFinished({
      route: 'chat',
      target: 'vllm-1',
      status: 'error',
      errorKind: 'http_503',
      stream: true,
      ms: 40,
    });
    m.requestFinished({ route: 'chat', target: 'openai', status: 'error', stream: false, ms: 30 });
    const text = m.render();
    expect(family(text, 'ragline_gateway_requests_started_total')).toBe(
      [
        '# HELP ragline_gateway_requests_started_total Requests sent to a target.',
        '# TYPE ragline_gateway_requests_started_total counter',
        'ragline_gateway_requests_started_total{route="chat",target="vllm-1"} 2',
        'ragline_gateway_requests_started_total{route="chat",target="openai"} 1',
      ].join('\n'),
    );
    expect(family(text, 'ragline_gateway_requests_total')).toBe(
      [
        '# HELP ragline_gateway_requests_total Requests to a target that finished, by outcome.',
        '# TYPE ragline_gateway_requests_total counter',
        'ragline_gateway_requests_total{route="chat",target="vllm-1",status="ok",stream="true"} 1',
        'ragline_gateway_requests_total{route="chat",target="vllm-1",status="error",stream="true"} 1',
        'ragline_gateway_requests_total{route="chat",target="openai",status="error",stream="false"} 1',
      ].join('\n'),
    );
    expect(family(text, 'ragline_gateway_errors_total')).toBe(
      [
        '# HELP ragline_gateway_errors_total Failed requests to a target, by kind of failure.',
        '# TYPE ragline_gateway_errors_total counter',
        'ragline_gateway_errors_total{route="chat",target="vllm-1",kind="http_503"} 1',
        'ragline_gateway_errors_total{route="chat",target="openai",kind="unknown"} 1',
      ].join('\n'),
    );
  });

  it('exposes request latency as a seconds histogram with LLM-sized buckets', () => {
    const m = createGatewayMetrics();
    m.requestFinished({ route: 'r', target: 't', status: 'ok', stream: false, ms: 7 });
    m.requestFinished({ route: 'r', target: 't', status: 'ok', stream: false, ms: 45_000 });
    m.requestFinished({ route: 'r', target: 't', status: 'ok', stream: false, ms: 900_000 });
    const s = 'ragline_gateway_request_duration_seconds';
    const l = 'route="r",target="t",stream="false"';
    expect(family(m.render(), s)).toBe(
      [
        `# HELP ${s} Duration of requests to a target, from sending to the last byte.`,
        `# TYPE ${s} histogram`,
        `${s}_bucket{${l},le="0.005"} 0`,
        `${s}_bucket{${l},le="0.01"} 1`,
        `${s}_bucket{${l},le="0.025"} 1`,
        `${s}_bucket{${l},le="0.05"} 1`,
        `${s}_bucket{${l},le="0.1"} 1`,
        `${s}_bucket{${l},le="0.25"} 1`,
        `${s}_bucket{${l},le="0.5"} 1`,
        `${s}_bucket{${l},le="1"} 1`,
        `${s}_bucket{${l},le="2.5"} 1`,
        `${s}_bucket{${l},le="5"} 1`,
        `${s}_bucket{${l},le="10"} 1`,
        `${s}_bucket{${l},le="20"} 1`,
        `${s}_bucket{${l},le="30"} 1`,
        `${s}_bucket{${l},le="60"} 2`,
        `${s}_bucket{${l},le="120"} 2`,
        `${s}_bucket{${l},le="300"} 2`,
        `${s}_bucket{${l},le="600"} 2`,
        `${s}_bucket{${l},le="+Inf"} 3`,
        `${s}_sum{route="r",target="t",stream="false"} 945.007`,
        `${s}_count{route="r",target="t",stream="false"} 3`,
      ].join('\n'),
    );
  });

  it('exposes time to first token with its own buckets', () => {
    const m = createGatewayMetrics();
    m.firstToken({ route: 'r', target: 't', ms: 180 });
    m.firstToken({ route: 'r', target: 't', ms: 2_000 });
    const s = 'ragline_gateway_time_to_first_token_seconds';
    const l = 'route="r",target="t"';
    const le = [
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.2',
      '0.3',
      '0.5',
      '0.75',
      '1',
      '1.5',
      '2',
      '3',
      '5',
      '10',
      '30',
      '60',
    ];
    const counts = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2];
    expect(family(m.render(), s)).toBe(
      [
        `# HELP ${s} Time from sending a request to its first content token.`,
        `# TYPE ${s} histogram`,
        ...le.map((b, i) => `${s}_bucket{${l},le="${b}"} ${counts[i]}`),
        `${s}_bucket{${l},le="+Inf"} 2`,
        `${s}_sum{${l}} 2.18`,
        `${s}_count{${l}} 2`,
      ].join('\n'),
    );
  });

  it('counts tokens, circuit state, placement decisions and in-flight requests', () => {
    const m = createGatewayMetrics();
    m.tokens({ route: 'r', target: 't', input: 100, output: 20 });
    m.tokens({ route: 'r', target: 't', input: 50, output: 5 });
    m.circuitState({ target: 't', state: 'open' });
    m.circuitState({ target: 't', state: 'half_open' });
    m.placementDecision({ pool: 'p', policy: 'least-loaded', target: 'vllm-2', reason: 'least_loaded' });
    m.placementDecision({ pool: 'p', policy: 'least-loaded', target: 'vllm-2', reason: 'least_loaded' });
    m.inFlight({ target: 'vllm-2' }, 1);
    m.inFlight({ target: 'vllm-2' }, 1);
    m.inFlight({ target: 'vllm-2' }, -1);
    const text = m.render();
    expect(family(text, 'ragline_gateway_tokens_total')).toBe(
      [
        '# HELP ragline_gateway_tokens_total Tokens processed by targets, by direction.',
        '# TYPE ragline_gateway_tokens_total counter',
        'ragline_gateway_tokens_total{route="r",target="t",direction="input"} 150',
        'ragline_gateway_tokens_total{route="r",target="t",direction="output"} 25',
      ].join('\n'),
    );
    expect(family(text, 'ragline_gateway_circuit_state')).toBe(
      [
        '# HELP ragline_gateway_circuit_state Circuit breaker state per target (1 = current state).',
        '# TYPE ragline_gateway_circuit_state gauge',
        'ragline_gateway_circuit_state{target="t",state="closed"} 0',
        'ragline_gateway_circuit_state{target="t",state="open"} 0',
        'ragline_gateway_circuit_state{target="t",state="half_open"} 1',
      ].join('\n'),
    );
    expect(family(text, 'ragline_gateway_placement_decisions_total')).toBe(
      [
        '# HELP ragline_gateway_placement_decisions_total Replica choices made by pool placement, by policy and reason.',
        '# TYPE ragline_gateway_placement_decisions_total counter',
        'ragline_gateway_placement_decisions_total{pool="p",policy="least-loaded",target="vllm-2",reason="least_loaded"} 2',
      ].join('\n'),
    );
    expect(family(text, 'ragline_gateway_in_flight_requests')).toBe(
      [
        '# HELP ragline_gateway_in_flight_requests Requests in flight per target.',
        '# TYPE ragline_gateway_in_flight_requests gauge',
        'ragline_gateway_in_flight_requests{target="vllm-2"} 1',
      ].join('\n'),
    );
  });

  it('renders every family with a HELP and TYPE line even before traffic, all prefixed', () => {
    const text = createGatewayMetrics().render();
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(types).toEqual([
      '# TYPE ragline_gateway_requests_started_total counter',
      '# TYPE ragline_gateway_requests_total counter',
      '# TYPE ragline_gateway_errors_total counter',
      '# TYPE ragline_gateway_request_duration_seconds histogram',
      '# TYPE ragline_gateway_time_to_first_token_seconds histogram',
      '# TYPE ragline_gateway_tokens_total counter',
      '# TYPE ragline_gateway_circuit_state gauge',
      '# TYPE ragline_gateway_placement_decisions_total counter',
      '# TYPE ragline_gateway_in_flight_requests gauge',
    ]);
  });
});
