import type { Budget, BudgetAlert } from '@ragline/sdk';
import Table from 'cli-table3';

const PLAIN_STYLE = { head: [] as string[], border: [] as string[] };

/** Dollars as the server sends them ("12.500000"), shortened to cents when nothing is lost. */
function dollars(text: string): string {
  return `$${text.replace(/(\.\d\d)0{4}$/, '$1')}`;
}

export function formatBudgets(budgets: Budget[]): string {
  if (budgets.length === 0) return 'No budgets.\n';
  const table = new Table({
    head: ['id', 'name', 'scope', 'period', 'mode', 'limit', 'spent', 'reserved', 'remaining', 'resets'],
    style: PLAIN_STYLE,
  });
  for (const b of budgets) {
    table.push([
      b.id,
      b.name ?? '-',
      b.scope === 'key' ? `key ${b.keyId}` : 'tenant',
      b.period,
      b.mode,
      dollars(b.limit),
      dollars(b.spent),
      dollars(b.reserved),
      dollars(b.remaining),
      b.periodEnd,
    ]);
  }
  return `${table.toString()}\n`;
}

export function formatBudgetAlerts(alerts: BudgetAlert[]): string {
  if (alerts.length === 0) return 'No budget alerts.\n';
  const table = new Table({
    head: ['at', 'budget', 'kind', 'period start', 'spent', 'limit'],
    style: PLAIN_STYLE,
  });
  for (const a of alerts) {
    table.push([a.at, a.budgetId, a.kind, a.periodStart, dollars(a.spent), dollars(a.limit)]);
  }
  return `${table.toString()}\n`;
}
