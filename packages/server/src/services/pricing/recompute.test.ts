import { type Client, createClient } from '@libsql/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLibsqlMetadataStore } from '../../adapters/metadata-store/libsql-metadata-store.js';
import type { PriceEntry, UsageRecord } from '../../ports/cost-repositories.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { PriceVersionNotFoundError, recomputeCosts } from './recompute.js';

const FROM = Date.parse('2026-06-01T00:00:00.000Z');
const TO = Date.parse('2026-07-01T00:00:00.000Z');
const NOW = new Date('2026-07-02T00:00:00.000Z');

function record(tenantId: string, id: string, extra: Partial<UsageRecord> = {}): UsageRecord {
  return {
    tenantId,
    id,
    requestId: id,
    keyId: 'key_1',
    kind: 'chat',
    route: 'chat',
    routeVersion: 1,
    target: 'openai',
    targetKind: 'openai-compatible',
    model: 'gpt-4o',
    promptVersion: null,
    releaseId: null,
    inputTokens: 0,
    cachedInputTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    usageSource: 'upstream',
    estimateMethod: null,
    gpuBusyUs: null,
    stream: false,
    outcome: 'ok',
    startedAtMs: FROM + 1000,
    durationMs: 100,
    costMicros: 0,
    priceVersion: 1,
    costBasis: 'tokens',
    ...extra,
  };
}

/** Version 2 of the book: the prices the records are recomputed under. */
const V2: PriceEntry[] = [
  {
    model: 'gpt-4o',
    inputPerMillionMicros: 2_000_000,
    cachedInputPerMillionMicros: 500_000,
    outputPerMillionMicros: 8_000_000,
  },
  { model: 'embed', inputPerMillionMicros: 20_000, outputPerMillionMicros: 0 },
  { target: 'vllm-a', gpuHourMicros: 3_600_000, gpus: 2 },
];

let client: Client;
let store: MetadataStore;

beforeEach(async () => {
  client = createClient({ url: ':memory:' });
  store = createLibsqlMetadataStore({ client });
  await store.migrate();
  const stored = (entries: PriceEntry[]) => ({
    effectiveFrom: '2026-01-01T00:00:00.000Z',
    entries,
    source: 'api' as const,
    note: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: null,
  });
  await store.prices.append(
    stored([{ model: 'gpt-4o', inputPerMillionMicros: 1, outputPerMillionMicros: 1 }]),
    null,
  );
  await store.prices.append(stored(V2), 1);
});
afterEach(async () => {
  await store.close();
  client.close();
});

const recompute = (tenantId: string, priceVersion = 2) =>
  recomputeCosts(
    { ledger: store.ledger, prices: store.prices, clock: { now: () => NOW } },
    { tenantId, fromMs: FROM, toMs: TO, priceVersion },
  );

async function recomputedRows() {
  const result = await client.execute(
    'SELECT tenant_id, record_id, price_version, cost_micros, cost_basis, computed_at FROM usage_costs ORDER BY tenant_id, record_id',
  );
  return result.rows.map((row) => ({ ...row }));
}

describe('recomputeCosts', () => {
  it('prices each record of the period under the version, keeping the originals', async () => {
    await store.ledger.append([
      // 600 uncached x $2 + 400 cached x $0.50 + 300 output (100 of them reasoning) x $8, per million = 3800 micros
      record('a', 'r1', {
        inputTokens: 1000,
        cachedInputTokens: 400,
        outputTokens: 300,
        reasoningTokens: 100,
        costMicros: 5000,
      }),
      // 25 x $0.02 per million = 0.5 micros, rounded half up to 1
      record('a', 'r2', { kind: 'embedding', model: 'embed', target: null, inputTokens: 25, costMicros: 2 }),
      // 1,234,567 busy us x 2 GPUs x $3.60 per hour = 2469.134 micros -> 2469
      record('a', 'r3', {
        target: 'vllm-a',
        model: 'llama',
        inputTokens: 5000,
        outputTokens: 5000,
        gpuBusyUs: 1_234_567,
        costBasis: 'gpu-time',
        costMicros: 3000,
      }),
      // no price for this model in version 2
      record('a', 'r4', {
        model: 'mystery',
        inputTokens: 10,
        outputTokens: 10,
        costMicros: 0,
        priceVersion: null,
        costBasis: 'unpriced',
      }),
      // outside the period (to is exclusive) and another tenant's: untouched
      record('a', 'late', { startedAtMs: TO, inputTokens: 1000, costMicros: 7 }),
      record('b', 'r1', { inputTokens: 1000, costMicros: 9 }),
    ]);

    expect(await recompute('a')).toEqual({
      records: 4,
      unpricedRecords: 1,
      costMicrosBefore: 5000 + 2 + 3000 + 0,
      costMicrosAfter: 3800 + 1 + 2469 + 0,
    });

    const computedAt = NOW.toISOString();
    expect(await recomputedRows()).toEqual([
      {
        tenant_id: 'a',
        record_id: 'r1',
        price_version: 2,
        cost_micros: 3800,
        cost_basis: 'tokens',
        computed_at: computedAt,
      },
      {
        tenant_id: 'a',
        record_id: 'r2',
        price_version: 2,
        cost_micros: 1,
        cost_basis: 'tokens',
        computed_at: computedAt,
      },
      {
        tenant_id: 'a',
        record_id: 'r3',
        price_version: 2,
        cost_micros: 2469,
        cost_basis: 'gpu-time',
        computed_at: computedAt,
      },
      {
        tenant_id: 'a',
        record_id: 'r4',
        price_version: 2,
        cost_micros: 0,
        cost_basis: 'unpriced',
        computed_at: computedAt,
      },
    ]);

    const originals = await store.ledger.list({ tenantId: 'a', fromMs: FROM, toMs: TO + 1, limit: 10 });
    expect(originals.map((r) => [r.id, r.costMicros, r.priceVersion])).toEqual([
      ['r1', 5000, 1],
      ['r2', 2, 1],
      ['r3', 3000, 1],
      ['r4', 0, null],
      ['late', 7, 1],
    ]);
    const total = async (priceVersion?: number) =>
      (
        await store.ledger.summarize({
          tenantId: 'a',
          fromMs: FROM,
          toMs: TO,
          groupBy: [],
          ...(priceVersion !== undefined && { priceVersion }),
        })
      ).reduce((sum, group) => sum + group.costMicros, 0);
    expect(await total()).toBe(8002);
    expect(await total(2)).toBe(6270);
  });

  it('gives the same result when run again, replacing its own rows', async () => {
    await store.ledger.append([record('a', 'r1', { inputTokens: 1_000_000, costMicros: 1 })]);
    const first = await recompute('a');
    const second = await recompute('a');
    expect(second).toEqual(first);
    expect(first.costMicrosAfter).toBe(2_000_000);
    expect(await recomputedRows()).toHaveLength(1);
  });

  it('walks every page of a long period', async () => {
    const records = Array.from({ length: 2345 }, (_, i) =>
      record('a', `r${String(i).padStart(5, '0')}`, {
        model: 'embed',
        inputTokens: 50,
        startedAtMs: FROM + (i % 7) * 1000,
        costMicros: 3,
      }),
    );
    await store.ledger.append(records);
    expect(await recompute('a')).toEqual({
      records: 2345,
      unpricedRecords: 0,
      costMicrosBefore: 3 * 2345,
      // 50 x $0.02 per million = exactly 1 micro each
      costMicrosAfter: 2345,
    });
    expect(await recomputedRows()).toHaveLength(2345);
  });

  it('refuses a price version that does not exist', async () => {
    await expect(recompute('a', 3)).rejects.toThrow(PriceVersionNotFoundError);
  });
});
