import type { LedgerRepository, UsageRecord } from '../../ports/cost-repositories.js';
import type { Logger } from '../../ports/logger.js';
import { usageRecordProblem } from './usage-record-problem.js';

/** Batches usage records off the request's critical path. */
export interface LedgerWriter {
  /** Queues a record; never throws, never waits. */
  write(record: UsageRecord): void;
  /** Writes everything queued so far (one transaction per batch); rejects when the store fails (the records stay queued and are retried). */
  flush(): Promise<void>;
  /** Flushes (retrying a failing store a few times) and stops the timer; later writes are refused with a log line. */
  close(): Promise<void>;
  /** Records queued and not yet written. */
  pending(): number;
  /** Counters since the writer was made (for logs, metrics and tests). */
  stats(): LedgerWriterStats;
}

export interface LedgerWriterStats {
  pending: number;
  /** Records the store took as new. */
  written: number;
  /** Records the store already had (a replayed id), skipped. */
  duplicates: number;
  /** Records not written: the queue was full, the writer was closed, or the store still failed at close. Each is in the error log. */
  dropped: number;
  /** Records refused on arrival as malformed (see usageRecordProblem). Each is in the error log. */
  rejected: number;
  /** Flush attempts the store failed. */
  failedFlushes: number;
}

export interface LedgerWriterOptions {
  ledger: LedgerRepository;
  logger: Logger;
  /** Longest a record waits in the queue before its batch is written. Default 200. */
  flushMs?: number;
  /** Records per append (one transaction); a full batch is written at once. Default 500. */
  maxBatch?: number;
  /** Records held while the store fails; beyond it new records are dropped (and logged). Default 100 batches. */
  maxQueue?: number;
  /** Workers: hand each flush to ctx.waitUntil. */
  schedule?: (work: Promise<void>) => void;
  /** Wait before the n-th retry (n >= 1) of a failing store. Default 100 ms doubling up to 10 s. */
  retryDelayMs?: (attempt: number) => number;
  /** Tries close() gives a failing store before logging the records it could not write. Default 5. */
  closeAttempts?: number;
}

const UNWRITTEN_PER_LOG_LINE = 100;

/**
 * An in-memory queue in front of LedgerRepository.append. `write` only pushes; a batch is written when
 * `maxBatch` records are queued or `flushMs` after the first record of a batch arrived, one append (one
 * transaction) per batch, one append at a time. A failed append keeps its records at the head of the queue
 * and is retried with backoff; appends are idempotent by record id, so a retry after a timeout that did
 * commit adds nothing. What a crash can lose is what is queued: at most `flushMs` worth of records or
 * `maxBatch` records, plus whatever accumulated while the store was failing.
 */
export function createLedgerWriter(options: LedgerWriterOptions): LedgerWriter {
  const { ledger, logger, schedule } = options;
  const flushMs = options.flushMs ?? 200;
  const maxBatch = options.maxBatch ?? 500;
  const maxQueue = Math.max(options.maxQueue ?? 100 * maxBatch, maxBatch);
  const retryDelayMs = options.retryDelayMs ?? ((attempt) => Math.min(10_000, 100 * 2 ** (attempt - 1)));
  const closeAttempts = options.closeAttempts ?? 5;

  const queue: UsageRecord[] = [];
  /** Records ever queued, and ever taken off the queue by an append: flush() waits for its mark. */
  let queued = 0;
  let done = 0;
  const counts = { written: 0, duplicates: 0, dropped: 0, rejected: 0, failedFlushes: 0 };
  /** Consecutive failed appends; while > 0 a retry timer is armed and writes do not start appends. */
  let failures = 0;
  /** The running drain, shared by everyone who asks; `draining` is set and cleared synchronously by the loop itself. */
  let run: Promise<void> = Promise.resolve();
  let draining = false;
  let timer: { handle: ReturnType<typeof setTimeout>; settle: (fire: boolean) => void } | null = null;
  let closed = false;
  let closing: Promise<void> | null = null;

  /** Appends batches until the queue is empty; one run at a time, shared by everyone who asks. */
  const drain = (): Promise<void> => {
    if (draining) return run;
    if (queue.length === 0) return Promise.resolve();
    run = drainLoop();
    return run;
  };

  const drainLoop = async (): Promise<void> => {
    draining = true;
    // Writes what is queued now, and then only full batches: records that trickle in during an append
    // wait for their own batch window instead of going out a few at a time (each append blocks the
    // embedded store's thread for about as long whatever its size).
    let owed = queue.length;
    try {
      while (owed > 0 || queue.length >= maxBatch) {
        const batch = queue.slice(0, maxBatch);
        const added = await ledger.append(batch);
        // Only this loop removes from the head; writes meanwhile went to the tail.
        queue.splice(0, batch.length);
        owed = Math.max(0, owed - batch.length);
        done += batch.length;
        counts.written += added;
        counts.duplicates += batch.length - added;
        if (failures > 0) {
          logger.info('ledger: usage store is writable again', {
            failedAttempts: failures,
            pending: queue.length,
          });
          failures = 0;
        }
      }
    } catch (error) {
      failures += 1;
      counts.failedFlushes += 1;
      const retryInMs = retryDelayMs(failures);
      logger.warn('ledger: writing usage records failed; they stay queued and are retried', {
        error: errorMessage(error),
        attempt: failures,
        pending: queue.length,
        ...(closed ? {} : { retryInMs }),
      });
      if (!closed) {
        disarm();
        arm(retryInMs);
      }
      throw error;
    } finally {
      // Cleared in the same turn as the last check, so a write right after starts or arms a new batch.
      draining = false;
    }
    if (queue.length > 0 && !closed) arm(flushMs);
  };

  /** Starts a drain in the background; its failure is handled (logged, retried) inside drain. */
  const kick = (): Promise<void> => drain().catch(() => {});

  const arm = (ms: number) => {
    if (timer) return;
    let settle!: (fire: boolean) => void;
    const due = new Promise<boolean>((resolve) => {
      settle = resolve;
    });
    const handle = setTimeout(() => settle(true), ms);
    // Node: a pending flush never keeps the process alive (clean shutdown calls close()). Workers return a number.
    (handle as { unref?: () => void }).unref?.();
    const current = { handle, settle };
    timer = current;
    const work = due.then((fire) => {
      if (timer === current) timer = null;
      return fire ? kick() : undefined;
    });
    // Workers run no timers once the response is sent unless waitUntil holds the isolate for them.
    schedule?.(work);
  };

  /** Cancels the armed timer; a scheduled (waitUntil) promise for it settles at once. */
  const disarm = () => {
    const current = timer;
    if (!current) return;
    timer = null;
    clearTimeout(current.handle);
    current.settle(false);
  };

  const drop = (message: string, records: UsageRecord[], fields: Record<string, unknown> = {}) => {
    counts.dropped += records.length;
    // The records themselves go to the error log, so finance can replay them from there.
    for (let i = 0; i < records.length; i += UNWRITTEN_PER_LOG_LINE) {
      logger.error(message, {
        ...fields,
        dropped: counts.dropped,
        records: records.slice(i, i + UNWRITTEN_PER_LOG_LINE),
      });
    }
  };

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  return {
    write(record) {
      if (closed) {
        drop('ledger: usage record written after close, not stored', [record]);
        return;
      }
      const problem = usageRecordProblem(record);
      if (problem) {
        counts.rejected += 1;
        logger.error('ledger: malformed usage record, not stored', { problem, record });
        return;
      }
      if (queue.length >= maxQueue) {
        drop('ledger: usage queue full (the store is failing), record not stored', [record], {
          pending: queue.length,
        });
        return;
      }
      queue.push(record);
      queued += 1;
      // While the store fails, the retry timer alone calls it; a running drain picks new records up itself.
      if (failures > 0 || draining) return;
      if (queue.length >= maxBatch) {
        disarm();
        const work = kick();
        schedule?.(work);
      } else {
        arm(flushMs);
      }
    },

    async flush() {
      disarm();
      // Everything queued before this call; later records are left to their own batch window.
      const mark = queued;
      while (done < mark && queue.length > 0) await drain();
    },

    close() {
      closing ??= (async () => {
        closed = true;
        disarm();
        for (let attempt = 1; ; attempt++) {
          try {
            await drain();
            if (queue.length === 0) return;
          } catch (error) {
            if (attempt >= closeAttempts) {
              const unwritten = queue.splice(0);
              done += unwritten.length;
              drop('ledger: usage records not written at shutdown', unwritten, {
                error: errorMessage(error),
              });
              return;
            }
            await sleep(retryDelayMs(attempt));
          }
        }
      })();
      return closing;
    },

    pending: () => queue.length,

    stats: () => ({ pending: queue.length, ...counts }),
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
