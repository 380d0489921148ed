import type {
  ModelEvalLinkRow,
  ModelLineage,
  ModelRepository,
  ModelSpec,
  ModelVersionRow,
} from '../../ports/registry-repositories.js';
import type { SqlDriver } from './sql-driver.js';
import { integer, nullableText, type Row, text } from './sql-row.js';

const COLUMNS = 'tenant_id, name, version, spec, lineage, message, created_at, created_by';
const LINK_COLUMNS = 'tenant_id, name, version, eval_run_id, linked_at, linked_by';

const LATEST = `SELECT ${COLUMNS} FROM model_versions WHERE tenant_id = ? AND name = ?
                ORDER BY version DESC LIMIT 1`;

/** Model versions: numbered per (tenant, name) inside the INSERT, never rewritten (triggers refuse it). */
export function createSqlModelRepository(driver: SqlDriver): ModelRepository {
  return {
    async append(row) {
      // The next number is computed inside the INSERT, so concurrent writers cannot take the same one
      // (the primary key would refuse it anyway); the SELECT of the same transaction reads it back.
      const [inserted, latest] = await driver.batch([
        {
          sql: `INSERT INTO model_versions (${COLUMNS})
                SELECT ?, ?, (SELECT COALESCE(MAX(version), 0) + 1 FROM model_versions
                              WHERE tenant_id = ? AND name = ?), ?, ?, ?, ?, ?
                WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ?)`,
          args: [
            row.tenantId,
            row.name,
            row.tenantId,
            row.name,
            JSON.stringify(row.spec),
            JSON.stringify(row.lineage),
            row.message,
            row.createdAt,
            row.createdBy,
            row.tenantId,
          ],
        },
        { sql: LATEST, args: [row.tenantId, row.name] },
      ]);
      if ((inserted?.rowsAffected ?? 0) === 0)
        throw new Error(`models.append: unknown tenant ${row.tenantId}`);
      const written = latest?.rows[0];
      if (!written) throw new Error(`model ${row.name} was not found after insert`);
      return modelVersionFromRow(written);
    },
    async get(tenantId, name, version) {
      const result = await driver.execute({
        sql: `SELECT ${COLUMNS} FROM model_versions WHERE tenant_id = ? AND name = ? AND version = ?`,
        args: [tenantId, name, version],
      });
      const row = result.rows[0];
      return row ? modelVersionFromRow(row) : null;
    },
    async latest(tenantId, name) {
      const row = (await driver.execute({ sql: LATEST, args: [tenantId, name] })).rows[0];
      return row ? modelVersionFromRow(row) : null;
    },
    async versions(tenantId, name) {
      const result = await driver.execute({
        sql: `SELECT ${COLUMNS} FROM model_versions WHERE tenant_id = ? AND name = ? ORDER BY version`,
        args: [tenantId, name],
      });
      return result.rows.map(modelVersionFromRow);
    },
    async listNames(tenantId) {
      const result = await driver.execute({
        sql: `SELECT v.name, v.version, v.created_at FROM model_versions AS v
              WHERE v.tenant_id = ?
                AND v.version = (SELECT MAX(version) FROM model_versions
                                 WHERE tenant_id = v.tenant_id AND name = v.name)
              ORDER BY v.name`,
        args: [tenantId],
      });
      return result.rows.map((row) => ({
        name: text(row, 'name'),
        latestVersion: integer(row, 'version'),
        updatedAt: text(row, 'created_at'),
      }));
    },
    async linkEvalRun(link) {
      const result = await driver.execute({
        sql: `INSERT INTO model_eval_links (${LINK_COLUMNS})
              SELECT ?, ?, ?, ?, ?, ?
              WHERE EXISTS (SELECT 1 FROM model_versions WHERE tenant_id = ? AND name = ? AND version = ?)
              ON CONFLICT DO NOTHING`,
        args: [
          link.tenantId,
          link.name,
          link.version,
          link.evalRunId,
          link.linkedAt,
          link.linkedBy,
          link.tenantId,
          link.name,
          link.version,
        ],
      });
      return result.rowsAffected > 0;
    },
    async evalRunLinks(tenantId, name, version) {
      const result = await driver.execute({
        sql: `SELECT ${LINK_COLUMNS} FROM model_eval_links
              WHERE tenant_id = ? AND name = ? AND version = ? ORDER BY linked_at, eval_run_id`,
        args: [tenantId, name, version],
      });
      return result.rows.map(evalLinkFromRow);
    },
  };
}

function modelVersionFromRow(row: Row): ModelVersionRow {
  return {
    tenantId: text(row, 'tenant_id'),
    name: text(row, 'name'),
    version: integer(row, 'version'),
    spec: JSON.parse(text(row, 'spec')) as ModelSpec,
    lineage: JSON.parse(text(row, 'lineage')) as ModelLineage,
    message: nullableText(row, 'message'),
    createdAt: text(row, 'created_at'),
    createdBy: nullableText(row, 'created_by'),
  };
}

function evalLinkFromRow(row: Row): ModelEvalLinkRow {
  return {
    tenantId: text(row, 'tenant_id'),
    name: text(row, 'name'),
    version: integer(row, 'version'),
    evalRunId: text(row, 'eval_run_id'),
    linkedAt: text(row, 'linked_at'),
    linkedBy: nullableText(row, 'linked_by'),
  };
}
