/**
 * Latency the cost plane adds to one metered call: the meter's `begin` (rate limits, price lookup,
 * hard-budget reservation) plus `finish` (cost, settlement, queueing the record), measured around the
 * real CostServices on a libSQL file with the ledger writer flushing in the background, as on a server.
 * Target: p50 <= 0.2 ms. The same loop without metering is the baseline in the same run.
 *
 *   npx tsx --conditions=@ragline/source bench/ledger/metering-overhead.ts
 *   RAGLINE_BENCH_METER_CALLS=200000 npx tsx --conditions=@ragline/source bench/ledger/metering-overhead.ts
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLibsqlMetadataStore } from '../../packages/server/src/adapters/metadata-store/libsql-metadata-store.js';
import { systemClock } from '../../packages/server/src/ports/clock.js';
import { silentLogger } from '../../packages/server/src/ports/logger.js';
import { createCostServices } from '../../packages/server/src/services/metering/cost-services.js';
import { printMachine, tempDir } from '../lib/env.js';
import { percentile, printTable } from '../lib/table.js';

const TARGET_P50_MS = 0.2;
const TENANTS = 20;
const KEYS_PER_TENANT = 5;

export interface MeteringOverheadRow {
  variant: string;
  calls: number;
  p50: number;
  p99: number;
  meanUs: number;
}

export async function runMeteringOverhead(): Promise<MeteringOverheadRow[]> {
  const calls = Number(process.env.RAGLINE_BENCH_METER_CALLS ?? 50_000);
  const dir = await tempDir('meter');
  const metadata = createLibsqlMetadataStore({ url: `file:${join(dir.dir, 'ragline.db')}` });
  await metadata.migrate();
  const now = new Date().toISOString();
  await metadata.prices.append(
    {
      effectiveFrom: '2020-01-01T00:00:00.000Z',
      entries: [
        { target: 'vllm-1', inputPerMillionMicros: 200_000, outputPerMillionMicros: 600_000 },
        { target: 'vllm-2', gpuHourMicros: 2_500_000, gpus: 1 },
        {
          model: 'gpt-4o-mini',
          inputPerMillionMicros: 150_000,
          cachedInputPerMillionMicros: 75_000,
          outputPerMillionMicros: 600_000,
        },
      ],
      source: 'api',
      note: null,
      createdAt: now,
      createdBy: null,
    },
    null,
  );
  // Every tenant has a hard daily budget and every key a soft monthly one, so each call checks two.
  for (let t = 0; t < TENANTS; t++) {
    const tenantId = `tenant-${t}`;
    await metadata.tenants.ensure(tenantId);
    await metadata.budgets.insert({
      id: `bud_t${t}`,
      tenantId,
      keyId: null,
      period: 'day',
      limitMicros: 1_000_000_000_000,
      mode: 'hard',
      name: null,
      createdAt: now,
      updatedAt: now,
    });
    for (let k = 0; k < KEYS_PER_TENANT; k++) {
      await metadata.budgets.insert({
        id: `bud_t${t}_k${k}`,
        tenantId,
        keyId: `key_${t}_${k}`,
        period: 'month',
        limitMicros: 1_000_000_000_000,
        mode: 'soft',
        name: null,
        createdAt: now,
        updatedAt: now,
      });
    }
  }
  const costs = await createCostServices({
    metadata,
    logger: silentLogger,
    clock: systemClock,
    priceRefreshMs: 0,
  });
  const candidates = [
    { target: 'vllm-1', model: 'meta-llama/Llama-3.1-8B-Instruct' },
    { target: 'vllm-2', model: 'meta-llama/Llama-3.1-8B-Instruct' },
    { target: 'cloud', model: 'gpt-4o-mini' },
  ];
  const usage = { inputTokens: 812, cachedInputTokens: 256, outputTokens: 143, reasoningTokens: 0 };

  const meteredCall = async (i: number) => {
    const t = i % TENANTS;
    const ticket = await costs.meter.begin({
      caller: {
        tenantId: `tenant-${t}`,
        keyId: `key_${t}_${i % KEYS_PER_TENANT}`,
        rpmLimit: 1_000_000,
        tpmLimit: 1_000_000_000,
      },
      requestId: `req_bench_${i}`,
      kind: 'chat',
      route: { name: 'chat', version: 1 },
      candidates,
      inputTokens: 800,
      maxOutputTokens: 512,
      stream: false,
    });
    ticket.observer.started('vllm-1');
    ticket.observer.ended('vllm-1', true);
    ticket.finish({
      target: { id: 'vllm-1', kind: 'vllm' },
      model: candidates[0]?.model ?? '',
      usage,
      outcome: 'ok',
    });
  };
  // The baseline: the same loop shape (an awaited async step per call) with no metering in it.
  const bareCall = async (_i: number) => {
    await Promise.resolve();
  };

  const rows: MeteringOverheadRow[] = [];
  for (const [variant, call] of [
    ['bare loop (baseline)', bareCall],
    ['metered: begin + finish', meteredCall],
  ] as const) {
    for (let i = 0; i < 2_000; i++) await call(-1 - i); // warm-up (and first-use seeding of every budget)
    const samples = new Float64Array(calls);
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      await call(i);
      samples[i] = performance.now() - t0;
    }
    const sorted = Array.from(samples);
    rows.push({
      variant,
      calls,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      meanUs: (sorted.reduce((a, b) => a + b, 0) / calls) * 1000,
    });
  }
  await costs.close();
  const written =
    (await metadata.ledger.spentMicros({ tenantId: 'tenant-0', fromMs: 0, toMs: Date.now() + 1 })) > 0;
  await metadata.close();
  await dir.cleanup();

  printTable(
    `Metering overhead per call (${calls} calls, ${TENANTS} tenants x ${KEYS_PER_TENANT} keys, libSQL file)`,
    ['variant', 'calls', 'p50 ms', 'p99 ms', 'mean us'],
    rows.map((r) => [r.variant, r.calls, r.p50.toFixed(4), r.p99.toFixed(4), r.meanUs.toFixed(1)]),
  );
  const metered = rows[1] as MeteringOverheadRow;
  const verdict = metered.p50 <= TARGET_P50_MS ? 'met' : 'missed';
  console.log(
    `target p50 <= ${TARGET_P50_MS} ms: ${metered.p50.toFixed(4)} ms (${verdict}); records reached the store: ${written}`,
  );
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printMachine();
  await runMeteringOverhead();
}
