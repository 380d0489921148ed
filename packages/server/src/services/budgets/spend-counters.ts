import type { BudgetPeriod, LedgerRepository } from '../../ports/cost-repositories.js';
import type { Logger } from '../../ports/logger.js';
import { periodBounds } from './budget-period.js';

/** What one scope (a tenant, or one of its keys) spent in one UTC day or month, in this process. */
export interface SpendCounter {
  readonly tenantId: string;
  /** Null: the whole tenant. */
  readonly keyId: string | null;
  readonly period: BudgetPeriod;
  readonly startMs: number;
  readonly endMs: number;
  /** Settled cost: the ledger's sum when seeded, plus what settled here, raised by re-seeds. */
  spent: number;
  /** Reservations granted here and not yet settled or released. */
  reserved: number;
}

export interface SpendCounters {
  /** The scope's counter for the period that contains `atMs`; a new period starts unseeded at zero. */
  counterFor(tenantId: string, keyId: string | null, period: BudgetPeriod, atMs: number): SpendCounter;
  /**
   * Null when the counter is seeded (the hot path: no promise); otherwise the one ledger read that
   * seeds it, shared by every caller. A seeded counter older than `reseedMs` is re-read in the
   * background (spent = max(local, ledger)), so other instances' spending arrives.
   */
  ready(counter: SpendCounter, atMs: number): Promise<void> | null;
  /** Reads the ledger now and raises `spent` to its sum (seeding the counter if it was not). */
  refresh(counter: SpendCounter, atMs: number): Promise<void>;
}

interface CounterState extends SpendCounter {
  seeded: boolean;
  seeding: Promise<void> | null;
  seededAtMs: number;
  reseeding: boolean;
}

/** Two periods per scope are kept: the current one and the one that late calls may still settle into. */
const PERIODS_KEPT = 2;

export function createSpendCounters(deps: {
  ledger: LedgerRepository;
  logger: Logger;
  reseedMs: number;
}): SpendCounters {
  const byScope = new Map<string, CounterState[]>();

  const readLedger = (counter: CounterState) =>
    deps.ledger.spentMicros({
      tenantId: counter.tenantId,
      ...(counter.keyId !== null && { keyId: counter.keyId }),
      fromMs: counter.startMs,
      toMs: counter.endMs,
    });

  const seed = (counter: CounterState, atMs: number): Promise<void> => {
    counter.seeding ??= readLedger(counter).then(
      (stored) => {
        counter.spent = Math.max(counter.spent, stored);
        counter.seeded = true;
        counter.seededAtMs = atMs;
        counter.seeding = null;
      },
      (error: unknown) => {
        // The next caller tries again; this one's request fails rather than run unchecked.
        counter.seeding = null;
        throw error;
      },
    );
    return counter.seeding;
  };

  const reseedInBackground = (counter: CounterState, atMs: number) => {
    counter.reseeding = true;
    counter.seededAtMs = atMs;
    readLedger(counter)
      .then(
        (stored) => {
          counter.spent = Math.max(counter.spent, stored);
        },
        (error: unknown) =>
          deps.logger.warn('budget spend re-read failed; keeping the local figure', {
            tenantId: counter.tenantId,
            keyId: counter.keyId,
            period: counter.period,
            error: String(error),
          }),
      )
      .finally(() => {
        counter.reseeding = false;
      });
  };

  return {
    counterFor(tenantId, keyId, period, atMs) {
      const scope = `${tenantId}\n${keyId ?? ''}\n${period}`;
      let kept = byScope.get(scope);
      if (!kept) {
        kept = [];
        byScope.set(scope, kept);
      }
      for (const counter of kept) if (atMs >= counter.startMs && atMs < counter.endMs) return counter;
      const { startMs, endMs } = periodBounds(period, atMs);
      const counter: CounterState = {
        tenantId,
        keyId,
        period,
        startMs,
        endMs,
        spent: 0,
        reserved: 0,
        seeded: false,
        seeding: null,
        seededAtMs: 0,
        reseeding: false,
      };
      kept.push(counter);
      kept.sort((a, b) => a.startMs - b.startMs);
      if (kept.length > PERIODS_KEPT) kept.splice(0, kept.length - PERIODS_KEPT);
      return counter;
    },

    ready(counter, atMs) {
      const state = counter as CounterState;
      if (!state.seeded) return seed(state, atMs);
      if (!state.reseeding && atMs - state.seededAtMs >= deps.reseedMs) reseedInBackground(state, atMs);
      return null;
    },

    async refresh(counter, atMs) {
      const state = counter as CounterState;
      if (!state.seeded) await seed(state, atMs);
      const stored = await readLedger(state);
      state.spent = Math.max(state.spent, stored);
    },
  };
}
