import type {
  Budget,
  BudgetAlert,
  createBudgetRequestSchema,
  UpdateBudgetRequest,
} from '@ragline/sdk/contracts';
import type { z } from 'zod';
import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { BudgetAlertRow, BudgetRow } from '../../ports/cost-repositories.js';
import { dollarsToMicros, MoneyFormatError, microsToDollars } from '../pricing/money.js';
import type { BudgetGuard, BudgetStatus } from './budget-guard.js';

type Deps = Pick<AppDeps, 'metadata' | 'ids' | 'clock'> & { guard: BudgetGuard };

/**
 * Budget management for one tenant (the caller's). Every change tells the guard, so this instance
 * enforces it from the next call; other instances re-read budgets within their refresh interval.
 */
export async function createBudget(
  deps: Deps,
  tenantId: string,
  input: z.output<typeof createBudgetRequestSchema>,
): Promise<Budget> {
  const keyId = input.keyId ?? null;
  if (keyId !== null) {
    const keys = await deps.metadata.apiKeys.listForTenant(tenantId);
    if (!keys.some((key) => key.id === keyId)) {
      throw invalid('keyId', `tenant "${tenantId}" has no API key "${keyId}"`);
    }
  }
  const now = deps.clock.now();
  const row: BudgetRow = {
    id: deps.ids.next('bud'),
    tenantId,
    keyId,
    period: input.period,
    limitMicros: parseDollars('limit', input.limit),
    mode: input.mode,
    name: input.name ?? null,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  await deps.metadata.budgets.insert(row);
  deps.guard.budgetsChanged(tenantId);
  return budgetView(row, await deps.guard.status(row, now.getTime()));
}

export async function updateBudget(
  deps: Deps,
  tenantId: string,
  id: string,
  input: UpdateBudgetRequest,
): Promise<Budget> {
  const now = deps.clock.now();
  const row = await deps.metadata.budgets.update(
    tenantId,
    id,
    {
      ...(input.limit !== undefined && { limitMicros: parseDollars('limit', input.limit) }),
      ...(input.mode !== undefined && { mode: input.mode }),
      ...(input.name !== undefined && { name: input.name }),
    },
    now.toISOString(),
  );
  if (!row) throw notFound(id);
  deps.guard.budgetsChanged(tenantId);
  return budgetView(row, await deps.guard.status(row, now.getTime()));
}

export async function deleteBudget(deps: Deps, tenantId: string, id: string): Promise<void> {
  const deleted = await deps.metadata.budgets.delete(tenantId, id, deps.clock.now().toISOString());
  if (!deleted) throw notFound(id);
  deps.guard.budgetsChanged(tenantId);
}

export async function getBudget(deps: Deps, tenantId: string, id: string): Promise<Budget> {
  const row = await deps.metadata.budgets.get(tenantId, id);
  if (!row) throw notFound(id);
  return budgetView(row, await deps.guard.status(row, deps.clock.now().getTime()));
}

export async function listBudgets(deps: Deps, tenantId: string): Promise<Budget[]> {
  const rows = await deps.metadata.budgets.list(tenantId);
  const atMs = deps.clock.now().getTime();
  return Promise.all(rows.map(async (row) => budgetView(row, await deps.guard.status(row, atMs))));
}

export function budgetView(row: BudgetRow, status: BudgetStatus): Budget {
  return {
    id: row.id,
    name: row.name,
    scope: row.keyId === null ? 'tenant' : 'key',
    keyId: row.keyId,
    period: row.period,
    mode: row.mode,
    limitMicros: row.limitMicros,
    spentMicros: status.spentMicros,
    reservedMicros: status.reservedMicros,
    remainingMicros: status.remainingMicros,
    limit: microsToDollars(row.limitMicros),
    spent: microsToDollars(status.spentMicros),
    reserved: microsToDollars(status.reservedMicros),
    remaining: microsToDollars(status.remainingMicros),
    periodStart: status.periodStart,
    periodEnd: status.periodEnd,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function budgetAlertView(row: BudgetAlertRow): BudgetAlert {
  return {
    budgetId: row.budgetId,
    kind: row.kind,
    periodStart: row.periodStart,
    spentMicros: row.spentMicros,
    limitMicros: row.limitMicros,
    spent: microsToDollars(row.spentMicros),
    limit: microsToDollars(row.limitMicros),
    at: row.at,
  };
}

function parseDollars(field: string, value: string | number): number {
  try {
    return dollarsToMicros(value);
  } catch (error) {
    if (error instanceof MoneyFormatError) throw invalid(field, error.message);
    throw error;
  }
}

function invalid(field: string, message: string): ApiError {
  return new ApiError('INVALID_REQUEST', `${field}: ${message}`, {
    details: { issues: [{ field, message }] },
  });
}

function notFound(id: string): ApiError {
  return new ApiError('NOT_FOUND', `budget "${id}" not found`);
}
