import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLibsqlMetadataStore } from '../../adapters/metadata-store/libsql-metadata-store.js';
import type { LedgerRepository, UsageRecord } from '../../ports/cost-repositories.js';
import type { Logger } from '../../ports/logger.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { createLedgerWriter } from './ledger-writer.js';

let n = 0;
function record(extra: Partial<UsageRecord> = {}): UsageRecord {
  n += 1;
  const id = `req_${n}`;
  return {
    tenantId: 't',
    id,
    requestId: id,
    keyId: 'key_1',
    kind: 'chat',
    route: 'chat',
    routeVersion: 1,
    target: 'a',
    targetKind: 'openai-compatible',
    model: 'm',
    promptVersion: null,
    releaseId: null,
    inputTokens: 10,
    cachedInputTokens: 0,
    outputTokens: 5,
    reasoningTokens: 0,
    usageSource: 'upstream',
    estimateMethod: null,
    gpuBusyUs: null,
    stream: false,
    outcome: 'ok',
    startedAtMs: 1_760_000_000_000 + n,
    durationMs: 20,
    costMicros: 1000 + n,
    priceVersion: 1,
    costBasis: 'tokens',
    ...extra,
  };
}

interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown> | undefined;
}

function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (msg: string, fields?: Record<string, unknown>) =>
    lines.push({ level, msg, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A real libSQL ledger whose appends can be made to fail, and which records each batch it was given. */
function instrumented(inner: LedgerRepository) {
  const batches: string[][] = [];
  let failNext = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const ledger: LedgerRepository = {
    ...inner,
    async append(records) {
      batches.push(records.map((r) => r.id));
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (failNext > 0) {
          failNext -= 1;
          throw new Error('database is locked');
        }
        return await inner.append(records);
      } finally {
        inFlight -= 1;
      }
    },
  };
  return {
    ledger,
    batches,
    failTimes: (times: number) => {
      failNext = times;
    },
    maxInFlight: () => maxInFlight,
  };
}

describe('createLedgerWriter', () => {
  let store: MetadataStore;
  const stored = async () =>
    (await store.ledger.list({ tenantId: 't', fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, limit: 10_000 })).map(
      (r) => r.id,
    );

  beforeEach(async () => {
    store = createLibsqlMetadataStore({ url: ':memory:' });
    await store.migrate();
    vi.useFakeTimers();
  });

  afterEach(async () => {
    vi.useRealTimers();
    await store.close();
  });

  it('writes a batch flushMs after its first record, not before, in one append', async () => {
    const io = instrumented(store.ledger);
    const writer = createLedgerWriter({ ledger: io.ledger, logger: recordingLogger(), flushMs: 200 });
    const records = [record(), record(), record()];
    for (const r of records) writer.write(r);
    await vi.advanceTimersByTimeAsync(199);
    expect(io.batches).toEqual([]);
    expect(writer.pending()).toBe(3);
    await vi.advanceTimersByTimeAsync(10);
    expect(io.batches).toEqual([records.map((r) => r.id)]);
    expect(await stored()).toEqual(records.map((r) => r.id));
    expect(writer.stats()).toMatchObject({ pending: 0, written: 3, duplicates: 0, failedFlushes: 0 });
  });

  it('writes full batches at once, one append at a time, and leaves a remainder to its batch window', async () => {
    const io = instrumented(store.ledger);
    const writer = createLedgerWriter({
      ledger: io.ledger,
      logger: recordingLogger(),
      flushMs: 60_000,
      maxBatch: 4,
    });
    const records = Array.from({ length: 10 }, () => record());
    for (const r of records) writer.write(r);
    // No flushMs passes: the full batches go at once; the 2 left over wait for their batch window
    // rather than going out as a small append.
    await vi.advanceTimersByTimeAsync(5);
    expect(io.batches.map((b) => b.length)).toEqual([4, 4]);
    expect(writer.pending()).toBe(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(io.batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(io.batches.flat()).toEqual(records.map((r) => r.id));
    expect(io.maxInFlight()).toBe(1);
    expect(writer.pending()).toBe(0);
  });

  it('does not spend appends on records that trickle in while one is running', async () => {
    const io = instrumented(store.ledger);
    const writer = createLedgerWriter({
      ledger: io.ledger,
      logger: recordingLogger(),
      flushMs: 200,
      maxBatch: 500,
    });
    // A steady 1 record per ms for 1 s: about five 200 ms windows, so about five appends, not one per record.
    for (let i = 0; i < 1000; i++) {
      writer.write(record());
      await vi.advanceTimersByTimeAsync(1);
    }
    const flushed = writer.flush();
    await vi.advanceTimersByTimeAsync(10);
    await flushed;
    expect(io.batches.flat()).toHaveLength(1000);
    expect(io.batches.length).toBeLessThanOrEqual(7);
  });

  it('returns from write at once while the store hangs', async () => {
    let appends = 0;
    const hanging: LedgerRepository = {
      ...store.ledger,
      append: () => {
        appends += 1;
        return new Promise<number>(() => {});
      },
    };
    const writer = createLedgerWriter({
      ledger: hanging,
      logger: recordingLogger(),
      flushMs: 10,
      maxBatch: 2,
      maxQueue: 5000,
    });
    const started = performance.now();
    for (let i = 0; i < 1000; i++) writer.write(record());
    expect(performance.now() - started).toBeLessThan(200);
    await vi.advanceTimersByTimeAsync(1000);
    expect(appends).toBe(1);
    expect(writer.pending()).toBe(1000);
  });

  it('keeps the records of a failed append and retries with backoff until the store recovers', async () => {
    const io = instrumented(store.ledger);
    const logger = recordingLogger();
    const writer = createLedgerWriter({
      ledger: io.ledger,
      logger,
      flushMs: 100,
      retryDelayMs: (attempt) => attempt * 1000,
    });
    const records = [record(), record()];
    for (const r of records) writer.write(r);
    io.failTimes(2);
    await vi.advanceTimersByTimeAsync(105);
    expect(io.batches).toHaveLength(1);
    // records arriving while the store fails wait for the retry instead of calling the store
    const late = record();
    writer.write(late);
    await vi.advanceTimersByTimeAsync(900);
    expect(io.batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(110); // retry 1 after 1000 ms: fails again
    expect(io.batches).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1900);
    expect(io.batches).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(110); // retry 2 after 2000 ms: succeeds
    expect(io.batches).toHaveLength(3);
    expect(await stored()).toEqual([...records, late].map((r) => r.id));
    expect(writer.stats()).toMatchObject({ pending: 0, written: 3, failedFlushes: 2, dropped: 0 });
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.fields?.retryInMs)).toEqual([
      1000, 2000,
    ]);
    expect(logger.lines.some((l) => l.level === 'info' && /writable again/.test(l.msg))).toBe(true);
  });

  it('counts a retried batch the store had already committed as duplicates, storing each record once', async () => {
    let calls = 0;
    const commitsThenTimesOut: LedgerRepository = {
      ...store.ledger,
      async append(records) {
        calls += 1;
        const added = await store.ledger.append(records);
        if (calls === 1) throw new Error('timeout waiting for the database');
        return added;
      },
    };
    const writer = createLedgerWriter({
      ledger: commitsThenTimesOut,
      logger: recordingLogger(),
      flushMs: 10,
      retryDelayMs: () => 50,
    });
    for (let i = 0; i < 3; i++) writer.write(record());
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toBe(2);
    expect(await stored()).toHaveLength(3);
    expect(writer.stats()).toMatchObject({ written: 0, duplicates: 3, failedFlushes: 1, pending: 0 });
  });

  it('bounds the queue while the store fails: overflow is dropped, counted and logged with the record', async () => {
    const io = instrumented(store.ledger);
    io.failTimes(1_000);
    const logger = recordingLogger();
    const writer = createLedgerWriter({ ledger: io.ledger, logger, flushMs: 10, maxBatch: 2, maxQueue: 5 });
    const records = Array.from({ length: 8 }, () => record());
    for (const r of records) writer.write(r);
    expect(writer.pending()).toBe(5);
    expect(writer.stats().dropped).toBe(3);
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(3);
    expect(errors.map((l) => (l.fields as { records: UsageRecord[] }).records[0]?.id)).toEqual(
      records.slice(5).map((r) => r.id),
    );
  });

  it('rejects a malformed record on arrival, logging it, and writes the others', async () => {
    const logger = recordingLogger();
    const writer = createLedgerWriter({ ledger: store.ledger, logger, flushMs: 10 });
    const good = record();
    writer.write(record({ outputTokens: -1 }));
    writer.write(record({ costMicros: 0.5 }));
    writer.write(good);
    await writer.flush();
    expect(await stored()).toEqual([good.id]);
    expect(writer.stats()).toMatchObject({ rejected: 2, written: 1 });
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.fields?.problem)).toEqual([
      'outputTokens: must be a non-negative safe integer, got -1',
      'costMicros: must be a non-negative safe integer, got 0.5',
    ]);
  });

  it('flush writes everything queued so far and rejects when the store fails, keeping the records', async () => {
    const io = instrumented(store.ledger);
    const writer = createLedgerWriter({ ledger: io.ledger, logger: recordingLogger(), flushMs: 60_000 });
    writer.write(record());
    io.failTimes(1);
    const failed = writer.flush();
    const settled = expect(failed).rejects.toThrow(/locked/);
    await vi.advanceTimersByTimeAsync(5);
    await settled;
    expect(writer.pending()).toBe(1);
    const ok = writer.flush();
    await vi.advanceTimersByTimeAsync(5);
    await ok;
    expect(writer.pending()).toBe(0);
    expect(await stored()).toHaveLength(1);
  });

  it('keeps batching after flushes of an empty queue and after a store that throws synchronously', async () => {
    let throwNow = true;
    const flaky: LedgerRepository = {
      ...store.ledger,
      append(records) {
        if (throwNow) {
          throwNow = false;
          throw new Error('driver not ready');
        }
        return store.ledger.append(records);
      },
    };
    const writer = createLedgerWriter({
      ledger: flaky,
      logger: recordingLogger(),
      flushMs: 50,
      retryDelayMs: () => 20,
    });
    await writer.flush();
    await writer.flush();
    writer.write(record());
    await vi.advanceTimersByTimeAsync(60); // the first append throws at once; the retry writes
    await vi.advanceTimersByTimeAsync(30);
    expect(await stored()).toHaveLength(1);
    await writer.flush();
    writer.write(record());
    expect(writer.pending()).toBe(1);
    await vi.advanceTimersByTimeAsync(60);
    expect(writer.pending()).toBe(0);
    expect(await stored()).toHaveLength(2);
  });

  it('flushes on close without waiting for flushMs, then refuses later writes with a log line', async () => {
    vi.useRealTimers();
    const logger = recordingLogger();
    const writer = createLedgerWriter({ ledger: store.ledger, logger, flushMs: 3_600_000 });
    const records = Array.from({ length: 1234 }, () => record());
    for (const r of records) writer.write(r);
    await writer.close();
    expect(await stored()).toHaveLength(1234);
    const late = record();
    writer.write(late);
    expect(writer.stats()).toMatchObject({ pending: 0, written: 1234, dropped: 1 });
    expect(logger.lines.at(-1)).toMatchObject({ level: 'error', fields: { records: [late] } });
    await writer.close();
  });

  it('gives a failing store a few tries at close, then logs every unwritten record', async () => {
    const io = instrumented(store.ledger);
    io.failTimes(1_000);
    const logger = recordingLogger();
    const writer = createLedgerWriter({
      ledger: io.ledger,
      logger,
      flushMs: 60_000,
      closeAttempts: 3,
      retryDelayMs: () => 100,
    });
    const records = Array.from({ length: 150 }, () => record());
    for (const r of records) writer.write(r);
    const closed = writer.close();
    await vi.advanceTimersByTimeAsync(1000);
    await closed;
    expect(io.batches).toHaveLength(3);
    expect(writer.stats()).toMatchObject({ pending: 0, dropped: 150, failedFlushes: 3 });
    const logged = logger.lines
      .filter((l) => l.level === 'error')
      .flatMap((l) => (l.fields as { records: UsageRecord[] }).records.map((r) => r.id));
    expect(logged).toEqual(records.map((r) => r.id));
  });

  it('hands every flush to schedule (Workers: waitUntil), and each scheduled promise settles', async () => {
    const scheduled: Promise<void>[] = [];
    const writer = createLedgerWriter({
      ledger: store.ledger,
      logger: recordingLogger(),
      flushMs: 50,
      maxBatch: 3,
      schedule: (work) => scheduled.push(work),
    });
    writer.write(record());
    expect(scheduled).toHaveLength(1); // the timer's flush
    writer.write(record());
    writer.write(record()); // a full batch: written now, the timer is cancelled
    expect(scheduled).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all(scheduled);
    expect(await stored()).toHaveLength(3);
    writer.write(record());
    expect(scheduled).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(60);
    await Promise.all(scheduled);
    expect(await stored()).toHaveLength(4);
  });
});
