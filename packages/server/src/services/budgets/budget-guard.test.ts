import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLibsqlMetadataStore } from '../../adapters/metadata-store/libsql-metadata-store.js';
import { ApiError } from '../../core/api-error.js';
import type { BudgetRow, UsageRecord } from '../../ports/cost-repositories.js';
import type { Logger } from '../../ports/logger.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { type BudgetGuardOptions, createBudgetGuard } from './budget-guard.js';

const T = 'acme';
const OTHER = 'globex';
/** 2026-03-14T10:00:00Z: mid-day, mid-month. */
const NOW = Date.UTC(2026, 2, 14, 10);
const HOUR = 3_600_000;

let store: MetadataStore;
let warnings: { msg: string; fields: Record<string, unknown> | undefined }[];
let logger: Logger;
let sequence = 0;

beforeEach(async () => {
  store = createLibsqlMetadataStore({ url: ':memory:' });
  await store.migrate();
  await store.tenants.ensure(T);
  await store.tenants.ensure(OTHER);
  warnings = [];
  logger = {
    debug() {},
    info() {},
    warn: (msg, fields) => warnings.push({ msg, fields }),
    error: (msg, fields) => warnings.push({ msg, fields }),
  };
});

afterEach(async () => {
  await store.close();
});

function guardOn(extra: Partial<BudgetGuardOptions> = {}) {
  return createBudgetGuard({ budgets: store.budgets, ledger: store.ledger, logger, ...extra });
}

async function addBudget(extra: Partial<BudgetRow> = {}): Promise<BudgetRow> {
  const row: BudgetRow = {
    id: `bud_${++sequence}`,
    tenantId: T,
    keyId: null,
    period: 'month',
    limitMicros: 1_000,
    mode: 'hard',
    name: null,
    createdAt: '2026-03-01T00:00:00.000Z',
    updatedAt: '2026-03-01T00:00:00.000Z',
    ...extra,
  };
  await store.budgets.insert(row);
  return row;
}

/** A metered call as the ledger writer stores it. */
function record(costMicros: number, startedAtMs: number, extra: Partial<UsageRecord> = {}): UsageRecord {
  const id = `req_${++sequence}`;
  return {
    tenantId: T,
    id,
    requestId: id,
    keyId: 'key_a',
    kind: 'chat',
    route: 'chat',
    routeVersion: 1,
    target: 'openai',
    targetKind: 'openai',
    model: 'gpt-4o-mini',
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
    startedAtMs,
    durationMs: 100,
    costMicros,
    priceVersion: 1,
    costBasis: 'tokens',
    ...extra,
  };
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

const call = (maxCostMicros: number, atMs = NOW, keyId: string | null = 'key_a', tenantId = T) => ({
  tenantId,
  keyId,
  maxCostMicros,
  atMs,
});

describe('BudgetGuard', () => {
  it('lets everything through, reserving nothing, for a tenant without budgets', async () => {
    await addBudget({ tenantId: OTHER, limitMicros: 0 });
    const guard = guardOn();
    const reservation = await guard.reserve(call(5_000_000));
    reservation.settle(5_000_000);
    await expect(guard.reserve(call(5_000_000))).resolves.toBeDefined();
  });

  it('seeds spend from the ledger (this period, this tenant) and refuses with 402 naming the budget', async () => {
    const budget = await addBudget({ name: 'march', limitMicros: 1_000_000 });
    await store.ledger.append([
      record(700_000, NOW - 2 * HOUR),
      record(100_000, NOW - 20 * 24 * HOUR), // February: another period
      record(250_000, NOW - HOUR, { tenantId: OTHER }),
    ]);
    const guard = guardOn();
    const held = await guard.reserve(call(200_000));

    const error = await refusal(guard.reserve(call(150_000)));
    expect(error.status).toBe(402);
    expect(error.code).toBe('BUDGET_EXCEEDED');
    expect(error.message).toContain('"march" (bud_');
    expect(error.message).toContain('limit $1.000000, spent $0.700000');
    expect(error.message).toContain('reserved by calls in flight $0.200000, remaining $0.100000');
    expect(error.message).toContain('may cost up to $0.150000');
    expect(error.message).toContain('resets at 2026-04-01T00:00:00.000Z');
    expect(error.details).toMatchObject({
      budget: {
        id: budget.id,
        name: 'march',
        scope: 'tenant',
        keyId: null,
        period: 'month',
        mode: 'hard',
        periodStart: '2026-03-01T00:00:00.000Z',
        periodEnd: '2026-04-01T00:00:00.000Z',
      },
      limitMicros: 1_000_000,
      spentMicros: 700_000,
      reservedMicros: 200_000,
      remainingMicros: 100_000,
      requestedMicros: 150_000,
      remaining: '0.100000',
    });
    // What fits in the remainder is still granted.
    await expect(guard.reserve(call(100_000))).resolves.toBeDefined();
    held.release();
  });

  it('counts a reservation until it settles, then only the real cost', async () => {
    await addBudget({ limitMicros: 1_000 });
    const guard = guardOn();
    const first = await guard.reserve(call(600));
    await refusal(guard.reserve(call(500)));
    first.settle(100);
    first.settle(900); // idempotent: the first settle stands
    first.release();
    const second = await guard.reserve(call(500));
    second.release();
    const [budget] = await store.budgets.list(T);
    expect(await guard.status(budget as BudgetRow, NOW)).toMatchObject({
      spentMicros: 100,
      reservedMicros: 0,
      remainingMicros: 900,
      periodStart: '2026-03-01T00:00:00.000Z',
      periodEnd: '2026-04-01T00:00:00.000Z',
    });
  });

  it('refuses once a budget is exhausted, even a call that would cost nothing; a limit of 0 stops everything', async () => {
    const stopped = await addBudget({ keyId: 'key_stopped', limitMicros: 0 });
    await addBudget({ limitMicros: 500 });
    const guard = guardOn();
    expect((await refusal(guard.reserve(call(0, NOW, 'key_stopped')))).details).toMatchObject({
      budget: { id: stopped.id, scope: 'key', keyId: 'key_stopped' },
    });
    (await guard.reserve(call(500))).settle(500);
    await refusal(guard.reserve(call(0)));
  });

  it("applies a key's budget to that key only, and the tenant's budget to every key", async () => {
    const keyBudget = await addBudget({ keyId: 'key_a', limitMicros: 300, period: 'day' });
    await addBudget({ limitMicros: 1_000 });
    const guard = guardOn();
    (await guard.reserve(call(300, NOW, 'key_a'))).settle(300);
    const refused = await refusal(guard.reserve(call(1, NOW, 'key_a')));
    expect(refused.details).toMatchObject({ budget: { id: keyBudget.id, scope: 'key', period: 'day' } });
    expect(refused.message).toContain('hard daily budget bud_');
    expect(refused.message).toContain('for the key key_a');
    // key_b only meets the tenant budget, which key_a's spend counts towards.
    (await guard.reserve(call(700, NOW, 'key_b'))).settle(700);
    const tenantRefusal = await refusal(guard.reserve(call(1, NOW, 'key_b')));
    expect(tenantRefusal.details).toMatchObject({ budget: { scope: 'tenant' }, spentMicros: 1_000 });
  });

  it('soft budgets never refuse; crossing one records one alert per period and logs it once', async () => {
    const soft = await addBudget({ mode: 'soft', limitMicros: 1_000, period: 'day', name: 'daily-watch' });
    const guard = guardOn();
    (await guard.reserve(call(600))).settle(600);
    expect(await store.budgets.listAlerts(T, { limit: 10 })).toEqual([]);
    (await guard.reserve(call(600))).settle(600);
    (await guard.reserve(call(5_000))).settle(5_000);
    await vi.waitFor(async () => expect(await store.budgets.listAlerts(T, { limit: 10 })).toHaveLength(1));
    expect(await store.budgets.listAlerts(T, { limit: 10 })).toEqual([
      {
        tenantId: T,
        budgetId: soft.id,
        periodStart: '2026-03-14T00:00:00.000Z',
        kind: 'crossed',
        spentMicros: 1_200,
        limitMicros: 1_000,
        at: new Date(NOW).toISOString(),
      },
    ]);
    expect(warnings.filter((w) => w.msg === 'soft budget crossed')).toEqual([
      {
        msg: 'soft budget crossed',
        fields: expect.objectContaining({ budgetId: soft.id, spentMicros: 1_200 }),
      },
    ]);

    // The next UTC day starts from zero, and may be crossed (and alerted) again.
    const tomorrow = NOW + 24 * HOUR;
    (await guard.reserve(call(999, tomorrow))).settle(999);
    (await guard.reserve(call(1, tomorrow))).settle(1);
    await vi.waitFor(async () => expect(await store.budgets.listAlerts(T, { limit: 10 })).toHaveLength(2));
    expect((await store.budgets.listAlerts(T, { limit: 1 }))[0]).toMatchObject({
      periodStart: '2026-03-15T00:00:00.000Z',
      spentMicros: 1_000,
    });
  });

  it('records a refusal alert once per period however many calls are refused', async () => {
    const hard = await addBudget({ limitMicros: 100 });
    const guard = guardOn();
    for (let i = 0; i < 5; i++) await refusal(guard.reserve(call(101)));
    await vi.waitFor(async () => expect(await store.budgets.listAlerts(T, { limit: 10 })).toHaveLength(1));
    expect((await store.budgets.listAlerts(T, { limit: 10 }))[0]).toMatchObject({
      budgetId: hard.id,
      kind: 'refused',
      periodStart: '2026-03-01T00:00:00.000Z',
    });
    // A second process (or a restart) finds it recorded and does not log it again.
    const other = guardOn();
    await refusal(other.reserve(call(101)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(warnings.filter((w) => w.msg === 'hard budget refused a call')).toHaveLength(1);
  });

  it('starts each UTC day and month at zero, at the exact boundary', async () => {
    await addBudget({ period: 'day', limitMicros: 100, keyId: 'key_day' });
    await addBudget({ period: 'month', limitMicros: 100, keyId: 'key_month' });
    const lastMsOfMarch = Date.UTC(2026, 3, 1) - 1;
    await store.ledger.append([
      record(100, lastMsOfMarch - HOUR, { keyId: 'key_day' }),
      record(100, Date.UTC(2026, 2, 1), { keyId: 'key_month' }),
    ]);
    const guard = guardOn();
    await refusal(guard.reserve(call(1, lastMsOfMarch, 'key_day')));
    await refusal(guard.reserve(call(1, lastMsOfMarch, 'key_month')));
    (await guard.reserve(call(100, lastMsOfMarch + 1, 'key_day'))).settle(100);
    (await guard.reserve(call(100, lastMsOfMarch + 1, 'key_month'))).settle(100);
    await refusal(guard.reserve(call(1, lastMsOfMarch + 1, 'key_day')));
    await refusal(guard.reserve(call(1, lastMsOfMarch + 1, 'key_month')));
  });

  it('settles a call into the period it started in, even after the period rolled over', async () => {
    const [budget] = [await addBudget({ period: 'day', limitMicros: 1_000 })];
    const guard = guardOn();
    const lateEvening = Date.UTC(2026, 2, 14, 23, 59);
    const running = await guard.reserve(call(800, lateEvening));
    (await guard.reserve(call(1_000, lateEvening + 2 * 60_000))).release();
    running.settle(800);
    const today = await guard.status(budget as BudgetRow, lateEvening);
    const tomorrow = await guard.status(budget as BudgetRow, lateEvening + 2 * 60_000);
    expect([today.spentMicros, tomorrow.spentMicros]).toEqual([800, 0]);
  });

  it('seeds once for concurrent first calls and loses no reservation', async () => {
    await addBudget({ limitMicros: 1_000 });
    await store.ledger.append([record(400, NOW - HOUR)]);
    const reads = vi.spyOn(store.ledger, 'spentMicros');
    const lists = vi.spyOn(store.budgets, 'list');
    const guard = guardOn();
    const outcomes = await Promise.allSettled(Array.from({ length: 4 }, () => guard.reserve(call(200))));
    expect(reads).toHaveBeenCalledTimes(1);
    expect(lists).toHaveBeenCalledTimes(1);
    // 400 spent + 3 x 200 reserved = 1000: the fourth call is refused.
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
  });

  it('under 200 concurrent calls never settles more than the hard limit, and refuses once it is reached', async () => {
    const limit = 50_000;
    const budget = await addBudget({ limitMicros: limit });
    const guard = guardOn();
    let settled = 0;
    let refused = 0;
    let granted = 0;
    const random = mulberry32(7);
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const reserveMicros = 500 + Math.floor(random() * 1_500);
        const costMicros = Math.floor(random() * (reserveMicros + 1));
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 5)));
        let reservation: Awaited<ReturnType<typeof guard.reserve>>;
        try {
          reservation = await guard.reserve(call(reserveMicros, NOW, `key_${i % 7}`));
        } catch (error) {
          expect((error as ApiError).code).toBe('BUDGET_EXCEEDED');
          const { spentMicros, reservedMicros } = (error as ApiError).details as {
            spentMicros: number;
            reservedMicros: number;
          };
          // Refused only when the call did not fit what was left.
          expect(spentMicros + reservedMicros + reserveMicros).toBeGreaterThan(limit);
          refused++;
          return;
        }
        granted++;
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 10)));
        reservation.settle(costMicros);
        settled += costMicros;
      }),
    );
    expect(settled).toBeLessThanOrEqual(limit);
    expect(refused).toBeGreaterThan(0);
    expect(granted + refused).toBe(200);
    expect(await guard.status(budget, NOW)).toMatchObject({ spentMicros: settled, reservedMicros: 0 });
  });

  it('re-reads the ledger every reseed interval, so other instances spending arrives (max of local and stored)', async () => {
    await addBudget({ limitMicros: 1_000 });
    const guard = guardOn({ reseedMs: 10_000 });
    (await guard.reserve(call(100))).settle(100);
    // Another instance's calls reach the shared ledger.
    await store.ledger.append([record(850, NOW)]);
    // Within the interval this instance still works from its own count.
    (await guard.reserve(call(50, NOW + 5_000))).settle(50);
    // The first call after the interval starts a background re-read; calls after it see the total.
    (await guard.reserve(call(0, NOW + 10_000))).release();
    await vi.waitFor(() => refusal(guard.reserve(call(100, NOW + 10_001))));
    // This instance's unflushed 150 is not lost to a smaller stored figure: spent = max(150, 850).
    const refused = await refusal(guard.reserve(call(200, NOW + 10_002)));
    expect(refused.details).toMatchObject({ spentMicros: 850 });
  });

  it('sees a new or changed budget at once after budgetsChanged, and on its own after the refresh interval', async () => {
    const guard = guardOn({ budgetRefreshMs: 5_000 });
    (await guard.reserve(call(1_000))).settle(1_000);
    // Without budgets nothing is counted here: the ledger (written by the metering) has the call.
    await store.ledger.append([record(1_000, NOW)]);
    const budget = await addBudget({ limitMicros: 500 });
    // Cached: no budgets yet.
    await expect(guard.reserve(call(1))).resolves.toBeDefined();
    guard.budgetsChanged(T);
    await refusal(guard.reserve(call(1)));
    await store.budgets.update(T, budget.id, { limitMicros: 5_000 }, '2026-03-14T10:00:00.000Z');
    await refusal(guard.reserve(call(1, NOW + 1_000)));
    // After the interval the list is re-read in the background.
    await refusal(guard.reserve(call(1, NOW + 5_000)));
    await vi.waitFor(() => expect(guard.reserve(call(1, NOW + 5_001))).resolves.toBeDefined());
    await store.budgets.delete(T, budget.id, '2026-03-14T10:00:00.000Z');
    guard.budgetsChanged(T);
    await expect(guard.reserve(call(10_000_000, NOW + 5_002))).resolves.toBeDefined();
  });

  it('fails the call when the first ledger read fails, and tries again on the next', async () => {
    await addBudget({ limitMicros: 1_000 });
    const guard = guardOn();
    vi.spyOn(store.ledger, 'spentMicros').mockRejectedValueOnce(new Error('database is locked'));
    await expect(guard.reserve(call(1))).rejects.toThrow('database is locked');
    await expect(guard.reserve(call(1))).resolves.toBeDefined();
  });

  it('rejects a reservation or a cost that is not a whole number of micro-dollars', async () => {
    await addBudget();
    const guard = guardOn();
    await expect(guard.reserve(call(1.5))).rejects.toThrow(RangeError);
    await expect(guard.reserve(call(-1))).rejects.toThrow(RangeError);
    const reservation = await guard.reserve(call(10));
    expect(() => reservation.settle(0.5)).toThrow(RangeError);
  });
});

/** A small seeded PRNG, so the concurrency test is reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
