/**
 * Ledger write throughput on the embedded store: usage records per second appended to a libSQL file
 * (WAL), through the LedgerRepository directly (one append per batch) and through the LedgerWriter that
 * requests use (queue, 200 ms / 500-record batches, one append at a time). Target: >= 20,000 records/s.
 *
 *   npm run bench:ledger
 *   RAGLINE_BENCH_LEDGER_RECORDS=500000 npm run bench:ledger
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLibsqlMetadataStore } from '../../packages/server/src/adapters/metadata-store/libsql-metadata-store.js';
import type { UsageRecord } from '../../packages/server/src/ports/cost-repositories.js';
import { silentLogger } from '../../packages/server/src/ports/logger.js';
import { createLedgerWriter } from '../../packages/server/src/services/ledger/ledger-writer.js';
import { printMachine, tempDir } from '../lib/env.js';
import { percentile, printTable } from '../lib/table.js';

const TARGET_PER_SECOND = 20_000;
const MODELS = ['meta-llama/Llama-3.1-8B-Instruct', 'gpt-4o-mini', 'claude-3-5-haiku', 'bge-small-en-v1.5'];

export interface LedgerWriteRow {
  path: string;
  records: number;
  batch: number;
  seconds: number;
  perSecond: number;
  /** Records per second of this process's CPU time (user + system, all threads): a figure other load on the machine does not move. */
  perCpuSecond: number;
}

/** Records like the gateway writes: unique request ids, a few tenants, keys, models and routes. */
function makeRecords(count: number, runId: string): UsageRecord[] {
  const start = Date.now() - count;
  return Array.from({ length: count }, (_, i) => {
    const id = `req_${runId}_${i.toString(36).padStart(6, '0')}`;
    const model = MODELS[i % MODELS.length] as string;
    return {
      tenantId: `tenant-${i % 8}`,
      id,
      requestId: id,
      keyId: `key_${i % 50}`,
      kind: model.startsWith('bge') ? 'embedding' : 'chat',
      route: model.startsWith('bge') ? null : 'chat',
      routeVersion: 3,
      target: `target-${i % 6}`,
      targetKind: 'openai-compatible',
      model,
      promptVersion: i % 3 === 0 ? 'support-answer@7' : null,
      releaseId: null,
      inputTokens: 200 + (i % 4000),
      cachedInputTokens: i % 5 === 0 ? 128 : 0,
      outputTokens: 20 + (i % 900),
      reasoningTokens: 0,
      usageSource: i % 50 === 0 ? 'estimated' : 'upstream',
      estimateMethod: i % 50 === 0 ? 'heuristic' : null,
      gpuBusyUs: null,
      stream: i % 2 === 0,
      outcome: 'ok',
      startedAtMs: start + i,
      durationMs: 100 + (i % 3000),
      costMicros: 37 + ((i * 7919) % 250_000),
      priceVersion: 2,
      costBasis: 'tokens',
    };
  });
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

async function openStore(dir: string, name: string) {
  const store = createLibsqlMetadataStore({ url: `file:${join(dir, `${name}.db`)}` });
  await store.migrate();
  return store;
}

async function countRecords(
  store: Awaited<ReturnType<typeof openStore>>,
  records: UsageRecord[],
): Promise<number> {
  const tenants = [...new Set(records.map((r) => r.tenantId))];
  let total = 0;
  for (const tenantId of tenants) {
    const [all] = await store.ledger.summarize({
      tenantId,
      fromMs: 0,
      toMs: Number.MAX_SAFE_INTEGER,
      groupBy: [],
    });
    total += all?.requests ?? 0;
  }
  return total;
}

async function benchRepository(
  dir: string,
  count: number,
  batch: number,
  replay: boolean,
): Promise<LedgerWriteRow> {
  const store = await openStore(dir, `repo-${batch}-${replay ? 'replay' : 'new'}`);
  const records = makeRecords(count, `r${batch}`);
  try {
    if (replay) {
      for (let i = 0; i < records.length; i += batch) await store.ledger.append(records.slice(i, i + batch));
    }
    const started = performance.now();
    const cpu = process.cpuUsage();
    let added = 0;
    for (let i = 0; i < records.length; i += batch)
      added += await store.ledger.append(records.slice(i, i + batch));
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpuSecondsSince(cpu);
    if (added !== (replay ? 0 : count))
      throw new Error(`expected ${replay ? 0 : count} new records, got ${added}`);
    if ((await countRecords(store, records)) !== count) throw new Error('stored count differs');
    return {
      path: replay ? 'repository, replayed ids (all skipped)' : 'repository append',
      records: count,
      batch,
      seconds,
      perSecond: count / seconds,
      perCpuSecond: count / cpuSeconds,
    };
  } finally {
    await store.close();
  }
}

/**
 * Producers call `write` the way request handlers do, yielding to the event loop every `burst` records,
 * while the writer batches and appends in the background; the clock stops when `close` has written all.
 */
async function benchWriter(
  dir: string,
  count: number,
  burst: number,
): Promise<LedgerWriteRow & { writeNs: number; appendMs: number[] }> {
  const store = await openStore(dir, `writer-${burst}`);
  const records = makeRecords(count, `w${burst}`);
  // The embedded libSQL client runs statements on the main thread: an append's duration is how long it holds the event loop.
  const appendMs: number[] = [];
  const ledger = {
    ...store.ledger,
    async append(batch: readonly UsageRecord[]) {
      const started = performance.now();
      try {
        return await store.ledger.append(batch);
      } finally {
        appendMs.push(performance.now() - started);
      }
    },
  };
  const writer = createLedgerWriter({ ledger, logger: silentLogger });
  try {
    let writeTime = 0;
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < records.length; i += burst) {
      const before = performance.now();
      for (const r of records.slice(i, i + burst)) writer.write(r);
      writeTime += performance.now() - before;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writer.close();
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpuSecondsSince(cpu);
    const stats = writer.stats();
    if (stats.written !== count || stats.dropped !== 0)
      throw new Error(`writer stats ${JSON.stringify(stats)}`);
    if ((await countRecords(store, records)) !== count) throw new Error('stored count differs');
    return {
      path: `LedgerWriter, ${burst} writes per event-loop turn`,
      records: count,
      batch: 500,
      seconds,
      perSecond: count / seconds,
      perCpuSecond: count / cpuSeconds,
      writeNs: (writeTime * 1e6) / count,
      appendMs,
    };
  } finally {
    await store.close();
  }
}

export async function runLedgerWrite(): Promise<LedgerWriteRow[]> {
  const count = Number(process.env.RAGLINE_BENCH_LEDGER_RECORDS ?? 200_000);
  const { dir, cleanup } = await tempDir('ledger');
  try {
    const rows: LedgerWriteRow[] = [];
    rows.push(await benchRepository(dir, count, 500, false));
    rows.push(await benchRepository(dir, count, 100, false));
    rows.push(await benchRepository(dir, count, 500, true));
    const writerRows = [await benchWriter(dir, count, 100), await benchWriter(dir, count, 1000)];
    rows.push(...writerRows);
    printTable(
      `Ledger write throughput, libSQL file (WAL), ${count.toLocaleString('en-US')} records per run; target >= ${TARGET_PER_SECOND.toLocaleString('en-US')} records/s`,
      ['path', 'batch', 'records', 'seconds', 'records/s', 'records/CPU-s', 'target'],
      rows.map((row) => [
        row.path,
        row.batch,
        row.records,
        row.seconds.toFixed(2),
        Math.round(row.perSecond).toLocaleString('en-US'),
        Math.round(row.perCpuSecond).toLocaleString('en-US'),
        row.perSecond >= TARGET_PER_SECOND ? 'met' : 'MISSED',
      ]),
    );
    console.log(
      'records/s is wall-clock; records/CPU-s divides by the CPU time the process used, which other load does not change.',
    );
    for (const row of writerRows) {
      console.log(
        `${row.path}: write() costs the caller ${row.writeNs.toFixed(0)} ns per record (queueing only); ` +
          `${row.appendMs.length} appends of up to 500 records, each holding the event loop p50 ${percentile(row.appendMs, 50).toFixed(1)} ms, ` +
          `p99 ${percentile(row.appendMs, 99).toFixed(1)} ms`,
      );
    }
    return rows;
  } finally {
    await cleanup();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printMachine();
  await runLedgerWrite();
}
