import type { EvalPolicy, EvalPolicyRepository, EvalPolicyRow } from '../../ports/eval-repositories.js';
import type { SqlDriver } from './sql-driver.js';
import { nullableText, type Row, text } from './sql-row.js';

const COLUMNS = 'tenant_id, policy, updated_at, updated_by';

/** Each tenant's gating policy: one row, replaced whole. */
export function createSqlEvalPolicyRepository(driver: SqlDriver): EvalPolicyRepository {
  const select = (tenantId: string) => ({
    sql: `SELECT ${COLUMNS} FROM eval_policies WHERE tenant_id = ?`,
    args: [tenantId],
  });
  return {
    async get(tenantId) {
      const row = (await driver.execute(select(tenantId))).rows[0];
      return row ? policyFromRow(row) : null;
    },
    async set(row) {
      const [written, stored] = await driver.batch([
        {
          sql: `INSERT INTO eval_policies (${COLUMNS}) SELECT ?, ?, ?, ?
                WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ?)
                ON CONFLICT (tenant_id) DO UPDATE SET policy = excluded.policy,
                  updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
          args: [row.tenantId, JSON.stringify(row.policy), row.updatedAt, row.updatedBy, row.tenantId],
        },
        select(row.tenantId),
      ]);
      if ((written?.rowsAffected ?? 0) === 0)
        throw new Error(`evalPolicies.set: unknown tenant ${row.tenantId}`);
      const stored0 = stored?.rows[0];
      if (!stored0) throw new Error(`eval policy of ${row.tenantId} was not found after it was set`);
      return policyFromRow(stored0);
    },
  };
}

function policyFromRow(row: Row): EvalPolicyRow {
  return {
    tenantId: text(row, 'tenant_id'),
    policy: JSON.parse(text(row, 'policy')) as EvalPolicy,
    updatedAt: text(row, 'updated_at'),
    updatedBy: nullableText(row, 'updated_by'),
  };
}
