import type {
  BudgetAlertRow,
  BudgetRepository,
  BudgetRow,
  LedgerRepository,
} from '../../ports/cost-repositories.js';
import type { Logger } from '../../ports/logger.js';
import { createBudgetCache } from './budget-cache.js';
import { type BudgetFigures, budgetExceeded, figuresOf } from './budget-refusal.js';
import { createSpendCounters, type SpendCounter } from './spend-counters.js';

export interface BudgetGuard {
  /**
   * Reserves `maxCostMicros` against every live hard budget of the tenant and of the key; throws
   * ApiError('BUDGET_EXCEEDED', 402) naming the budget, its limit, spent, reserved and remaining,
   * before any upstream call. Soft budgets never refuse.
   */
  reserve(input: {
    tenantId: string;
    keyId: string | null;
    maxCostMicros: number;
    atMs: number;
  }): Promise<BudgetReservation>;
  /**
   * A budget's figures for the period that contains `atMs`: spent (the larger of this process's
   * count and the ledger's sum, read now), reserved by calls in flight here, and what remains.
   */
  status(budget: BudgetRow, atMs: number): Promise<BudgetStatus>;
  /** The tenant's budgets changed (through the API): the next call reads them again. */
  budgetsChanged(tenantId: string): void;
}

export interface BudgetReservation {
  /** Replaces the reservation with the real cost; records an alert when a soft budget is crossed. Idempotent. */
  settle(costMicros: number): void;
  /** Drops the reservation (the call cost nothing). */
  release(): void;
}

export interface BudgetStatus extends BudgetFigures {
  /** ISO start of the current UTC day or month. */
  periodStart: string;
  /** ISO end (exclusive): when the budget starts again from zero. */
  periodEnd: string;
}

export interface BudgetGuardOptions {
  budgets: BudgetRepository;
  ledger: LedgerRepository;
  logger: Logger;
  /** How long a tenant's budget list is trusted before it is re-read in the background (default 5 s). */
  budgetRefreshMs?: number;
  /** How often a scope's spend is re-read from the ledger, for other instances' calls (default 10 s). */
  reseedMs?: number;
}

const NOTHING_RESERVED: BudgetReservation = { settle() {}, release() {} };
/** Alerts already sent from this process; past that many, forgotten (the store still keeps them once). */
const MAX_REMEMBERED_ALERTS = 10_000;

/**
 * Budgets enforced from local state (docs/decisions/0007-budgets-and-limits.md): each scope's spend is
 * seeded once per period from the ledger, then every reservation is a synchronous check and
 * increment, so concurrent calls can never together reserve more than a hard budget's remainder.
 */
export function createBudgetGuard(options: BudgetGuardOptions): BudgetGuard {
  const { logger } = options;
  const cache = createBudgetCache({
    budgets: options.budgets,
    logger,
    refreshMs: options.budgetRefreshMs ?? 5_000,
  });
  const spend = createSpendCounters({
    ledger: options.ledger,
    logger,
    reseedMs: options.reseedMs ?? 10_000,
  });
  const alerted = new Set<string>();

  const alertOnce = (
    budget: BudgetRow,
    counter: SpendCounter,
    kind: BudgetAlertRow['kind'],
    atMs: number,
  ) => {
    const key = `${budget.id}\n${counter.startMs}\n${kind}`;
    if (alerted.has(key)) return;
    if (alerted.size >= MAX_REMEMBERED_ALERTS) alerted.clear();
    alerted.add(key);
    const row: BudgetAlertRow = {
      tenantId: budget.tenantId,
      budgetId: budget.id,
      periodStart: new Date(counter.startMs).toISOString(),
      kind,
      spentMicros: counter.spent,
      limitMicros: budget.limitMicros,
      at: new Date(atMs).toISOString(),
    };
    const fields = {
      tenantId: budget.tenantId,
      budgetId: budget.id,
      budgetName: budget.name,
      keyId: budget.keyId,
      period: budget.period,
      periodStart: row.periodStart,
      limitMicros: row.limitMicros,
      spentMicros: row.spentMicros,
    };
    options.budgets.recordAlert(row).then(
      (recorded) => {
        // Once per budget and period across instances: the first to record it logs it.
        if (!recorded) return;
        if (kind === 'crossed') logger.warn('soft budget crossed', fields);
        else logger.warn('hard budget refused a call', fields);
      },
      (error: unknown) => {
        alerted.delete(key);
        logger.error('could not record a budget alert', { ...fields, kind, error: String(error) });
      },
    );
  };

  return {
    async reserve({ tenantId, keyId, maxCostMicros, atMs }) {
      if (!Number.isSafeInteger(maxCostMicros) || maxCostMicros < 0) {
        throw new RangeError(`maxCostMicros must be a non-negative integer, got ${maxCostMicros}`);
      }
      const listed = cache.budgetsOf(tenantId, atMs);
      const all = listed instanceof Promise ? await listed : listed;
      const budgets = all.filter((budget) => budget.keyId === null || budget.keyId === keyId);
      if (budgets.length === 0) return NOTHING_RESERVED;

      const counters = budgets.map((budget) => spend.counterFor(tenantId, budget.keyId, budget.period, atMs));
      const unique = [...new Set(counters)];
      const seeding = unique.map((counter) => spend.ready(counter, atMs)).filter((p) => p !== null);
      if (seeding.length > 0) await Promise.all(seeding);

      // From here to the increments nothing awaits: check-and-reserve is atomic in this process.
      budgets.forEach((budget, index) => {
        const counter = counters[index] as SpendCounter;
        if (budget.mode !== 'hard') return;
        const remaining = budget.limitMicros - counter.spent - counter.reserved;
        // An exhausted budget refuses even calls that would cost nothing (limit 0 stops everything).
        if (remaining <= 0 || maxCostMicros > remaining) {
          alertOnce(budget, counter, 'refused', atMs);
          throw budgetExceeded(
            budget,
            figuresOf(budget, counter.spent, counter.reserved),
            maxCostMicros,
            counter,
          );
        }
      });
      for (const counter of unique) counter.reserved += maxCostMicros;

      let open = true;
      return {
        settle(costMicros) {
          if (!open) return;
          if (!Number.isSafeInteger(costMicros) || costMicros < 0) {
            throw new RangeError(`costMicros must be a non-negative integer, got ${costMicros}`);
          }
          open = false;
          for (const counter of unique) {
            counter.reserved -= maxCostMicros;
            counter.spent += costMicros;
          }
          if (costMicros === 0) return;
          budgets.forEach((budget, index) => {
            const counter = counters[index] as SpendCounter;
            if (budget.mode === 'soft' && counter.spent >= budget.limitMicros) {
              alertOnce(budget, counter, 'crossed', atMs);
            }
          });
        },
        release() {
          if (!open) return;
          open = false;
          for (const counter of unique) counter.reserved -= maxCostMicros;
        },
      };
    },

    async status(budget, atMs) {
      const counter = spend.counterFor(budget.tenantId, budget.keyId, budget.period, atMs);
      await spend.refresh(counter, atMs);
      return {
        ...figuresOf(budget, counter.spent, counter.reserved),
        periodStart: new Date(counter.startMs).toISOString(),
        periodEnd: new Date(counter.endMs).toISOString(),
      };
    },

    budgetsChanged(tenantId) {
      cache.invalidate(tenantId);
    },
  };
}
