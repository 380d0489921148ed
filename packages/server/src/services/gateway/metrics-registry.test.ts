import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, formatNumber } from './metrics-registry.js';

describe('createMetricsRegistry', () => {
  it('renders counters and gauges with HELP/TYPE lines and series in first-seen order', () => {
    const r = createMetricsRegistry();
    const c = r.counter('app_requests_total', 'Requests served.', ['route', 'code']);
    const g = r.gauge('app_in_flight', 'In flight.', ['target']);
    c.inc({ route: 'chat', code: '200' });
    c.inc({ route: 'embed', code: '200' }, 3);
    c.inc({ route: 'chat', code: '200' }, 2);
    g.add({ target: 'a' }, 2);
    g.add({ target: 'a' }, -1);
    g.set({ target: 'b' }, 7);
    expect(r.render()).toBe(
      [
        '# HELP app_requests_total Requests served.',
        '# TYPE app_requests_total counter',
        'app_requests_total{route="chat",code="200"} 3',
        'app_requests_total{route="embed",code="200"} 3',
        '# HELP app_in_flight In flight.',
        '# TYPE app_in_flight gauge',
        'app_in_flight{target="a"} 1',
        'app_in_flight{target="b"} 7',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values (backslash, quote, newline) and HELP text (backslash, newline)', () => {
    const r = createMetricsRegistry();
    const c = r.counter('x_total', 'Line one\nC:\\path "quoted"', ['v']);
    c.inc({ v: 'a\\b"c"\nd' });
    expect(r.render()).toBe(
      [
        '# HELP x_total Line one\\nC:\\\\path "quoted"',
        '# TYPE x_total counter',
        'x_total{v="a\\\\b\\"c\\"\\nd"} 1',
        '',
      ].join('\n'),
    );
  });

  it('renders cumulative histogram buckets, +Inf, _sum and _count, scaled to the exposed unit', () => {
    const r = createMetricsRegistry();
    const h = r.histogram('lat_seconds', 'Latency.', ['route'], [100, 500, 1000], { scale: 1 / 1000 });
    for (const ms of [50, 100, 300, 2000]) h.observe({ route: 'a' }, ms);
    h.observe({ route: 'b' }, 700);
    expect(r.render()).toBe(
      [
        '# HELP lat_seconds Latency.',
        '# TYPE lat_seconds histogram',
        'lat_seconds_bucket{route="a",le="0.1"} 2',
        'lat_seconds_bucket{route="a",le="0.5"} 3',
        'lat_seconds_bucket{route="a",le="1"} 3',
        'lat_seconds_bucket{route="a",le="+Inf"} 4',
        'lat_seconds_sum{route="a"} 2.45',
        'lat_seconds_count{route="a"} 4',
        'lat_seconds_bucket{route="b",le="0.1"} 0',
        'lat_seconds_bucket{route="b",le="0.5"} 0',
        'lat_seconds_bucket{route="b",le="1"} 1',
        'lat_seconds_bucket{route="b",le="+Inf"} 1',
        'lat_seconds_sum{route="b"} 0.7',
        'lat_seconds_count{route="b"} 1',
        '',
      ].join('\n'),
    );
  });

  it('renders metrics without labels and families without series', () => {
    const r = createMetricsRegistry();
    r.counter('empty_total', 'Nothing yet.', []);
    r.gauge('up', 'Up.', []).set({}, 1);
    expect(r.render()).toBe(
      [
        '# HELP empty_total Nothing yet.',
        '# TYPE empty_total counter',
        '# HELP up Up.',
        '# TYPE up gauge',
        'up 1',
        '',
      ].join('\n'),
    );
  });

  it('rejects misuse instead of exposing wrong data', () => {
    const r = createMetricsRegistry();
    const c = r.counter('c_total', 'c', ['a']);
    expect(() => c.inc({ a: 'x' }, -1)).toThrow(/non-negative/);
    expect(() => c.inc({} as { a: string })).toThrow(/missing label "a"/);
    expect(() => r.counter('c_total', 'dup', [])).toThrow(/already registered/);
    expect(() => r.counter('bad-name', 'x', [])).toThrow(/invalid metric name/);
    expect(() => r.histogram('h', 'h', ['le'], [1])).toThrow(/invalid label name "le"/);
    expect(() => r.histogram('h2', 'h', [], [2, 1])).toThrow(/ascending/);
  });

  it('formats special and scaled numbers', () => {
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('+Inf');
    expect(formatNumber(Number.NEGATIVE_INFINITY)).toBe('-Inf');
    expect(formatNumber(Number.NaN)).toBe('NaN');
    expect(formatNumber(300 * (1 / 1000))).toBe('0.3');
    expect(formatNumber(1e21)).toBe('1e+21');
  });
});
