import type {
  BudgetAlertRow,
  BudgetMode,
  BudgetPeriod,
  BudgetRepository,
  BudgetRow,
} from '../../ports/cost-repositories.js';
import type { SqlDriver, SqlValue } from './sql-driver.js';
import { integer, nullableText, type Row, text } from './sql-row.js';

const COLUMNS = 'id, tenant_id, key_id, period, limit_micros, mode, name, created_at, updated_at';
const ALERT_COLUMNS = 'tenant_id, budget_id, period_start, kind, spent_micros, limit_micros, at';
const LIVE = 'tenant_id = ? AND id = ? AND deleted_at IS NULL';

/**
 * Budgets per tenant or key, soft-deleted (a deleted budget keeps its alerts), and the alerts they
 * raised: one row per (budget, period, kind), so every instance may try to record it and one wins.
 */
export function createSqlBudgetRepository(driver: SqlDriver): BudgetRepository {
  const get = async (tenantId: string, id: string) => {
    const result = await driver.execute({
      sql: `SELECT ${COLUMNS} FROM budgets WHERE ${LIVE}`,
      args: [tenantId, id],
    });
    const row = result.rows[0];
    return row ? budgetFromRow(row) : null;
  };

  return {
    async insert(row) {
      await driver.execute({
        sql: `INSERT INTO budgets (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        args: [
          row.id,
          row.tenantId,
          row.keyId,
          row.period,
          row.limitMicros,
          row.mode,
          row.name,
          row.createdAt,
          row.updatedAt,
        ],
      });
    },
    async update(tenantId, id, patch, at) {
      const sets: string[] = ['updated_at = ?'];
      const args: SqlValue[] = [at];
      if (patch.limitMicros !== undefined) {
        sets.push('limit_micros = ?');
        args.push(patch.limitMicros);
      }
      if (patch.mode !== undefined) {
        sets.push('mode = ?');
        args.push(patch.mode);
      }
      if (patch.name !== undefined) {
        sets.push('name = ?');
        args.push(patch.name);
      }
      const [updated, selected] = await driver.batch([
        { sql: `UPDATE budgets SET ${sets.join(', ')} WHERE ${LIVE}`, args: [...args, tenantId, id] },
        { sql: `SELECT ${COLUMNS} FROM budgets WHERE ${LIVE}`, args: [tenantId, id] },
      ]);
      const row = selected?.rows[0];
      return (updated?.rowsAffected ?? 0) > 0 && row ? budgetFromRow(row) : null;
    },
    async delete(tenantId, id, at) {
      const result = await driver.execute({
        sql: `UPDATE budgets SET deleted_at = ?, updated_at = ? WHERE ${LIVE}`,
        args: [at, at, tenantId, id],
      });
      return result.rowsAffected > 0;
    },
    get,
    async list(tenantId) {
      const result = await driver.execute({
        sql: `SELECT ${COLUMNS} FROM budgets WHERE tenant_id = ? AND deleted_at IS NULL ORDER BY created_at, id`,
        args: [tenantId],
      });
      return result.rows.map(budgetFromRow);
    },
    async recordAlert(row) {
      const result = await driver.execute({
        sql: `INSERT INTO budget_alerts (${ALERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
              ON CONFLICT (tenant_id, budget_id, period_start, kind) DO NOTHING`,
        args: [
          row.tenantId,
          row.budgetId,
          row.periodStart,
          row.kind,
          row.spentMicros,
          row.limitMicros,
          row.at,
        ],
      });
      return result.rowsAffected > 0;
    },
    async listAlerts(tenantId, options) {
      if (!Number.isInteger(options.limit) || options.limit < 1) {
        throw new RangeError(`limit must be a positive integer, got ${options.limit}`);
      }
      const where = ['tenant_id = ?'];
      const args: SqlValue[] = [tenantId];
      if (options.sinceMs !== undefined) {
        // `at` is an ISO-8601 UTC timestamp, so text order is time order.
        where.push('at >= ?');
        args.push(new Date(options.sinceMs).toISOString());
      }
      if (options.budgetId !== undefined) {
        where.push('budget_id = ?');
        args.push(options.budgetId);
      }
      const result = await driver.execute({
        sql: `SELECT ${ALERT_COLUMNS} FROM budget_alerts WHERE ${where.join(' AND ')}
              ORDER BY at DESC, budget_id, kind LIMIT ?`,
        args: [...args, options.limit],
      });
      return result.rows.map(alertFromRow);
    },
  };
}

function budgetFromRow(row: Row): BudgetRow {
  return {
    id: text(row, 'id'),
    tenantId: text(row, 'tenant_id'),
    keyId: nullableText(row, 'key_id'),
    period: oneOf<BudgetPeriod>(row, 'period', ['day', 'month']),
    limitMicros: integer(row, 'limit_micros'),
    mode: oneOf<BudgetMode>(row, 'mode', ['hard', 'soft']),
    name: nullableText(row, 'name'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
  };
}

function alertFromRow(row: Row): BudgetAlertRow {
  return {
    tenantId: text(row, 'tenant_id'),
    budgetId: text(row, 'budget_id'),
    periodStart: text(row, 'period_start'),
    kind: oneOf<BudgetAlertRow['kind']>(row, 'kind', ['crossed', 'refused']),
    spentMicros: integer(row, 'spent_micros'),
    limitMicros: integer(row, 'limit_micros'),
    at: text(row, 'at'),
  };
}

function oneOf<T extends string>(row: Row, column: string, allowed: readonly T[]): T {
  const value = text(row, column);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new TypeError(`column ${column}: unexpected ${value}`);
  }
  return value as T;
}
