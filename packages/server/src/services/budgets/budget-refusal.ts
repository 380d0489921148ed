import { ApiError } from '../../core/api-error.js';
import type { BudgetPeriod, BudgetRow } from '../../ports/cost-repositories.js';
import { microsToDollars } from '../pricing/money.js';

const ADJECTIVE: Record<BudgetPeriod, string> = { day: 'daily', month: 'monthly' };

export interface BudgetFigures {
  limitMicros: number;
  spentMicros: number;
  reservedMicros: number;
  /** limit - spent - reserved, never below zero. */
  remainingMicros: number;
}

export function figuresOf(budget: BudgetRow, spent: number, reserved: number): BudgetFigures {
  return {
    limitMicros: budget.limitMicros,
    spentMicros: spent,
    reservedMicros: reserved,
    remainingMicros: Math.max(0, budget.limitMicros - spent - reserved),
  };
}

/** The 402 a hard budget answers: names the budget and its figures, in the message and in `details`. */
export function budgetExceeded(
  budget: BudgetRow,
  figures: BudgetFigures,
  requestedMicros: number,
  period: { startMs: number; endMs: number },
): ApiError {
  const label = budget.name ? `"${budget.name}" (${budget.id})` : budget.id;
  const scope = budget.keyId === null ? 'tenant' : `key ${budget.keyId}`;
  const resetsAt = new Date(period.endMs).toISOString();
  const message =
    `hard ${ADJECTIVE[budget.period]} budget ${label} for the ${scope} cannot cover this call: ` +
    `limit $${microsToDollars(figures.limitMicros)}, spent $${microsToDollars(figures.spentMicros)}, ` +
    `reserved by calls in flight $${microsToDollars(figures.reservedMicros)}, ` +
    `remaining $${microsToDollars(figures.remainingMicros)}; ` +
    `this call may cost up to $${microsToDollars(requestedMicros)}. The budget resets at ${resetsAt}.`;
  return new ApiError('BUDGET_EXCEEDED', message, {
    details: {
      budget: {
        id: budget.id,
        name: budget.name,
        scope: budget.keyId === null ? 'tenant' : 'key',
        keyId: budget.keyId,
        period: budget.period,
        mode: budget.mode,
        periodStart: new Date(period.startMs).toISOString(),
        periodEnd: resetsAt,
      },
      ...figures,
      requestedMicros,
      limit: microsToDollars(figures.limitMicros),
      spent: microsToDollars(figures.spentMicros),
      reserved: microsToDollars(figures.reservedMicros),
      remaining: microsToDollars(figures.remainingMicros),
      requested: microsToDollars(requestedMicros),
    },
  });
}
