import type { BudgetRepository, BudgetRow } from '../../ports/cost-repositories.js';
import type { Logger } from '../../ports/logger.js';

/** Each tenant's live budgets in memory, so the hot path reads no database. */
export interface BudgetCache {
  /**
   * The tenant's budgets: synchronous (an array) when cached, else the one store read shared by every
   * caller. A list older than `refreshMs` is served as is while a background read replaces it, so
   * changes made on other instances arrive within that time.
   */
  budgetsOf(tenantId: string, atMs: number): readonly BudgetRow[] | Promise<readonly BudgetRow[]>;
  /** Forgets the tenant's list (after a change through the API): the next call reads the store. */
  invalidate(tenantId: string): void;
}

interface Entry {
  budgets: readonly BudgetRow[] | null;
  loadedAtMs: number;
  loading: Promise<readonly BudgetRow[]> | null;
}

export function createBudgetCache(deps: {
  budgets: BudgetRepository;
  logger: Logger;
  refreshMs: number;
}): BudgetCache {
  const entries = new Map<string, Entry>();

  const load = (tenantId: string, entry: Entry, atMs: number): Promise<readonly BudgetRow[]> => {
    entry.loading ??= deps.budgets.list(tenantId).then(
      (budgets) => {
        entry.loading = null;
        // An invalidation while reading replaced the entry: this (possibly stale) list is not kept.
        if (entries.get(tenantId) === entry) {
          entry.budgets = budgets;
          entry.loadedAtMs = atMs;
        }
        return budgets;
      },
      (error: unknown) => {
        entry.loading = null;
        throw error;
      },
    );
    return entry.loading;
  };

  return {
    budgetsOf(tenantId, atMs) {
      let entry = entries.get(tenantId);
      if (!entry) {
        entry = { budgets: null, loadedAtMs: 0, loading: null };
        entries.set(tenantId, entry);
      }
      if (!entry.budgets) return load(tenantId, entry, atMs);
      if (!entry.loading && atMs - entry.loadedAtMs >= deps.refreshMs) {
        load(tenantId, entry, atMs).catch((error: unknown) =>
          deps.logger.warn('budget list re-read failed; keeping the cached one', {
            tenantId,
            error: String(error),
          }),
        );
      }
      return entry.budgets;
    },
    invalidate(tenantId) {
      entries.delete(tenantId);
    },
  };
}
