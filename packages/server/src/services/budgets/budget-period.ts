import type { BudgetPeriod } from '../../ports/cost-repositories.js';

const DAY_MS = 86_400_000;

/** The UTC day or month that contains `atMs`, as [startMs, endMs). */
export function periodBounds(period: BudgetPeriod, atMs: number): { startMs: number; endMs: number } {
  if (period === 'day') {
    const startMs = Math.floor(atMs / DAY_MS) * DAY_MS;
    return { startMs, endMs: startMs + DAY_MS };
  }
  const at = new Date(atMs);
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  return { startMs: Date.UTC(year, month, 1), endMs: Date.UTC(year, month + 1, 1) };
}
