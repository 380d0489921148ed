/**
 * Ledger write throughput on the embedded store: usage records per second appended to a libSQL file
 * (WAL), through the LedgerRepository directly (one append per batch) and through the LedgerWriter that
 * requests use (queue, 200 ms / 500-record batches, one append at a time). Target: >= 20,000 records/s.
 * Each path runs with the ledger's statements on the main thread and on the worker thread (the default
 * for a file database, ADR 0008); the writer runs also report how long each append kept the event loop
 * from running timers.
 *
 *   npm run bench:ledger
 *   RAGLINE_BENCH_LEDGER_RECORDS=500000 npm run bench:ledger
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createLibsqlMetadataStore,
  type LedgerWrites,
} from '../../packages/server/src/adapters/metadata-store/libsql-metadata-store.js';
import type { UsageRecord } from '../../packages/server/src/ports/cost-repositories.js';
import { silentLogger } from '../../packages/server/src/ports/logger.js';
import { createLedgerWriter } from '../../packages/server/src/services/ledger/ledger-writer.js';
import { printMachine, tempDir } from '../lib/env.js';
import { percentile, printTable } from '../lib/table.js';

const TARGET_PER_SECOND = 20_000;
/** Producers wait while this many records are queued (10 batches; the writer's queue holds 100). */
const PACE_PENDING = 5_000;
const MODELS = ['meta-llama/Llama-3.1-8B-Instruct', 'gpt-4o-mini', 'claude-3-5-haiku', 'bge-small-en-v1.5'];

export interface LedgerWriteRow {
  path: string;
  /** Where the ledger's SQL ran. */
  thread: LedgerWrites;
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

async function openStore(dir: string, name: string, ledgerWrites: LedgerWrites) {
  const store = createLibsqlMetadataStore({ url: `file:${join(dir, `${name}.db`)}`, ledgerWrites });
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
  thread: LedgerWrites,
  count: number,
  batch: number,
  replay: boolean,
): Promise<LedgerWriteRow> {
  const store = await openStore(dir, `repo-${thread}-${batch}-${replay ? 'replay' : 'new'}`, thread);
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
      thread,
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
 * A 1 ms interval on the main thread; `during(work)` reports the longest the interval went without
 * firing while `work` ran: how long the work held the event loop (about 1 ms when it held it not at all).
 * On the main thread a libSQL append holds it for its whole duration; on the worker thread, only while
 * the records are turned into the statement's JSON parameter.
 */
function eventLoopHolds() {
  let lastTick = performance.now();
  const open = new Set<{ longestMs: number }>();
  /** Gaps while no append was in flight: the machine's own noise (other load, GC, the producers). */
  const idleGapsMs: number[] = [];
  /** An append was in flight at some point since the last tick. */
  let busy = false;
  const timer = setInterval(() => {
    const now = performance.now();
    if (!busy) idleGapsMs.push(now - lastTick);
    busy = open.size > 0;
    for (const window of open) window.longestMs = Math.max(window.longestMs, now - lastTick);
    lastTick = now;
  }, 1);
  return {
    idleGapsMs,
    async during<T>(work: () => Promise<T>): Promise<{ value: T; heldMs: number }> {
      const window = { longestMs: 0 };
      open.add(window);
      busy = true;
      try {
        const value = await work();
        return { value, heldMs: Math.max(window.longestMs, performance.now() - lastTick) };
      } finally {
        open.delete(window);
      }
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Producers call `write` the way request handlers do, yielding to the event loop every `burst` records
 * and waiting while 10 batches are queued, while the writer batches and appends in the background; the
 * clock stops when `close` has written all.
 */
async function benchWriter(dir: string, thread: LedgerWrites, count: number, burst: number) {
  const store = await openStore(dir, `writer-${thread}-${burst}`, thread);
  const records = makeRecords(count, `w${burst}`);
  const appendMs: number[] = [];
  const heldMs: number[] = [];
  const holds = eventLoopHolds();
  const ledger = {
    ...store.ledger,
    async append(batch: readonly UsageRecord[]) {
      const started = performance.now();
      try {
        const { value, heldMs: held } = await holds.during(() => store.ledger.append(batch));
        heldMs.push(held);
        return value;
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
      // Offered load follows what the writer drains: with the SQL off the main thread nothing else
      // slows the producers, and beyond the writer's bounded queue records would be dropped.
      while (writer.pending() >= PACE_PENDING) await new Promise((resolve) => setTimeout(resolve, 1));
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
      thread,
      records: count,
      batch: 500,
      seconds,
      perSecond: count / seconds,
      perCpuSecond: count / cpuSeconds,
      writeNs: (writeTime * 1e6) / count,
      appendMs,
      heldMs,
      idleGapsMs: holds.idleGapsMs,
    };
  } finally {
    holds.stop();
    await store.close();
  }
}

function idleNote(gapsMs: number[]): string {
  if (gapsMs.length === 0) return 'never without an append in flight';
  return `with no append in flight: p99 ${percentile(gapsMs, 99).toFixed(1)} ms, max ${Math.max(...gapsMs).toFixed(1)} ms`;
}

export async function runLedgerWrite(): Promise<LedgerWriteRow[]> {
  const count = Number(process.env.RAGLINE_BENCH_LEDGER_RECORDS ?? 200_000);
  const { dir, cleanup } = await tempDir('ledger');
  try {
    const threads: LedgerWrites[] = ['main-thread', 'worker-thread'];
    const rows: LedgerWriteRow[] = [];
    for (const thread of threads) {
      rows.push(await benchRepository(dir, thread, count, 500, false));
      rows.push(await benchRepository(dir, thread, count, 100, false));
      rows.push(await benchRepository(dir, thread, count, 500, true));
    }
    const writerRows = [];
    for (const thread of threads) {
      writerRows.push(
        await benchWriter(dir, thread, count, 100),
        await benchWriter(dir, thread, count, 1000),
      );
    }
    rows.push(...writerRows);
    printTable(
      `Ledger write throughput, libSQL file (WAL), ${count.toLocaleString('en-US')} records per run; target >= ${TARGET_PER_SECOND.toLocaleString('en-US')} records/s`,
      ['path', 'SQL on', 'batch', 'records', 'seconds', 'records/s', 'records/CPU-s', 'target'],
      rows.map((row) => [
        row.path,
        row.thread,
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
        `${row.path}, SQL on the ${row.thread}: write() costs the caller ${row.writeNs.toFixed(0)} ns per record (queueing only); ` +
          `${row.appendMs.length} appends of up to 500 records, each taking p50 ${percentile(row.appendMs, 50).toFixed(1)} ms, ` +
          `p99 ${percentile(row.appendMs, 99).toFixed(1)} ms and holding the event loop p50 ${percentile(row.heldMs, 50).toFixed(1)} ms, ` +
          `p99 ${percentile(row.heldMs, 99).toFixed(1)} ms, max ${Math.max(...row.heldMs).toFixed(1)} ms ` +
          `(${idleNote(row.idleGapsMs)})`,
      );
    }
    console.log(
      'Event-loop hold: the longest a 1 ms interval on the main thread went without firing during the append (about 1 ms means not held).',
    );
    return rows;
  } finally {
    await cleanup();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printMachine();
  await runLedgerWrite();
}
