import { describe, expect, it } from 'vitest';
import { Ragline } from '../client.js';

const totals = {
  requests: 2,
  inputTokens: 10,
  cachedInputTokens: 0,
  outputTokens: 4,
  reasoningTokens: 0,
  costMicros: 1_500_001,
  cost: '1.500001',
  estimatedRequests: 0,
  unpricedRequests: 0,
};

const usageRecord = (id: string) => ({
  id,
  requestId: id,
  key: 'key_1',
  kind: 'chat',
  route: 'chat',
  routeVersion: 1,
  target: 't',
  targetKind: 'openai-compatible',
  model: 'm',
  prompt: null,
  release: null,
  inputTokens: 5,
  cachedInputTokens: 0,
  outputTokens: 2,
  reasoningTokens: 0,
  usageSource: 'upstream',
  estimateMethod: null,
  gpuBusyUs: null,
  stream: false,
  outcome: 'ok',
  startedAt: '2026-03-01T00:00:00.000Z',
  durationMs: 3,
  costMicros: 7,
  cost: '0.000007',
  priceVersion: 1,
  costBasis: 'tokens',
});

function setup(responses: (unknown | string)[]) {
  const calls: { url: URL; headers: Headers }[] = [];
  const fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    calls.push({ url: new URL(String(input)), headers: new Headers(init.headers) });
    const body = responses[calls.length - 1];
    return typeof body === 'string'
      ? new Response(body, { status: 200, headers: { 'content-type': 'text/csv' } })
      : new Response(JSON.stringify(body), { status: 200 });
  }) as typeof globalThis.fetch;
  return { ragline: new Ragline({ baseURL: 'http://api.test', apiKey: 'k', fetch }), calls };
}

describe('usage resource', () => {
  it('sends the window, the dimensions as a comma list and the price version; validates the answer', async () => {
    const summary = {
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-08T00:00:00.000Z',
      groupBy: ['model', 'day'],
      tenant: 't',
      key: null,
      priceVersion: 3,
      groups: [{ model: 'm', day: '2026-03-01', ...totals }],
      totals,
    };
    const { ragline, calls } = setup([summary, { ...summary, groups: [{ model: 1 }] }]);
    const params = {
      from: new Date('2026-03-01T00:00:00Z'),
      to: '2026-03-07',
      groupBy: ['model' as const, 'day' as const],
      priceVersion: 3,
    };
    expect(await ragline.usage.summary(params)).toEqual(summary);
    const url = calls[0]?.url;
    expect(url?.pathname).toBe('/v1/usage');
    expect(Object.fromEntries(url?.searchParams ?? [])).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-07',
      group_by: 'model,day',
      price_version: '3',
    });
    await expect(ragline.usage.summary(params)).rejects.toThrow(/does not match the expected shape/);
  });

  it('asks for CSV and returns the text as is', async () => {
    const csv = 'model,requests\r\n"a, b",2\r\n';
    const { ragline, calls } = setup([csv]);
    expect(await ragline.usage.csv({ from: '24h', groupBy: ['model'] })).toBe(csv);
    expect(calls[0]?.headers.get('accept')).toBe('text/csv');
    expect(calls[0]?.url.searchParams.get('format')).toBe('csv');
  });

  it('iterates records across pages, keeping the window the server resolved for the first', async () => {
    const window = { from: '2026-02-22T10:00:00.000Z', to: '2026-03-01T10:00:00.000Z' };
    const { ragline, calls } = setup([
      { ...window, data: [usageRecord('r1'), usageRecord('r2')], nextCursor: 'c1' },
      { ...window, data: [usageRecord('r3')], nextCursor: null },
    ]);
    const ids: string[] = [];
    for await (const record of ragline.usage.records({ from: '7d', limit: 2, key: 'key_1' }))
      ids.push(record.id);
    expect(ids).toEqual(['r1', 'r2', 'r3']);
    expect(Object.fromEntries(calls[0]?.url.searchParams ?? [])).toEqual({
      from: '7d',
      limit: '2',
      key: 'key_1',
    });
    expect(Object.fromEntries(calls[1]?.url.searchParams ?? [])).toEqual({
      ...window,
      limit: '2',
      key: 'key_1',
      after: 'c1',
    });
  });
});
