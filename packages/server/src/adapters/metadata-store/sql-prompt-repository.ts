import type {
  PromptMessageTemplate,
  PromptModelConfig,
  PromptRepository,
  PromptVariablesSchema,
  PromptVersionRow,
} from '../../ports/registry-repositories.js';
import type { SqlDriver } from './sql-driver.js';
import { integer, nullableText, type Row, text } from './sql-row.js';

const COLUMNS =
  'tenant_id, name, version, kind, template, variables, model_config, message, content_hash, created_at, created_by';

const LATEST = `SELECT ${COLUMNS} FROM prompt_versions WHERE tenant_id = ? AND name = ?
                ORDER BY version DESC LIMIT 1`;

/** Prompt versions: numbered per (tenant, name) inside the INSERT, never rewritten (triggers refuse it). */
export function createSqlPromptRepository(driver: SqlDriver): PromptRepository {
  return {
    async append(row) {
      // One transaction: the next number and the "latest is identical" check are computed inside the
      // INSERT, so concurrent writers neither take the same number nor store the same content twice in
      // a row (the primary key would refuse a duplicate number anyway).
      const [inserted, tenant, latest] = await driver.batch([
        {
          sql: `INSERT INTO prompt_versions (${COLUMNS})
                SELECT ?, ?, (SELECT COALESCE(MAX(version), 0) + 1 FROM prompt_versions
                              WHERE tenant_id = ? AND name = ?), ?, ?, ?, ?, ?, ?, ?, ?
                WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ?)
                  AND NOT EXISTS (
                    SELECT 1 FROM prompt_versions AS v
                    WHERE v.tenant_id = ? AND v.name = ? AND v.content_hash = ?
                      AND v.version = (SELECT MAX(version) FROM prompt_versions
                                       WHERE tenant_id = ? AND name = ?))`,
          args: [
            row.tenantId,
            row.name,
            row.tenantId,
            row.name,
            row.kind,
            JSON.stringify(row.template),
            JSON.stringify(row.variables),
            row.modelConfig === null ? null : JSON.stringify(row.modelConfig),
            row.message,
            row.contentHash,
            row.createdAt,
            row.createdBy,
            row.tenantId,
            row.tenantId,
            row.name,
            row.contentHash,
            row.tenantId,
            row.name,
          ],
        },
        { sql: 'SELECT 1 AS found FROM tenants WHERE id = ?', args: [row.tenantId] },
        { sql: LATEST, args: [row.tenantId, row.name] },
      ]);
      if ((tenant?.rows.length ?? 0) === 0) throw new Error(`prompts.append: unknown tenant ${row.tenantId}`);
      const written = latest?.rows[0];
      if (!written) throw new Error(`prompt ${row.name} was not found after insert`);
      return { row: promptVersionFromRow(written), created: (inserted?.rowsAffected ?? 0) > 0 };
    },
    async get(tenantId, name, version) {
      const result = await driver.execute({
        sql: `SELECT ${COLUMNS} FROM prompt_versions WHERE tenant_id = ? AND name = ? AND version = ?`,
        args: [tenantId, name, version],
      });
      const row = result.rows[0];
      return row ? promptVersionFromRow(row) : null;
    },
    async latest(tenantId, name) {
      const result = await driver.execute({ sql: LATEST, args: [tenantId, name] });
      const row = result.rows[0];
      return row ? promptVersionFromRow(row) : null;
    },
    async versions(tenantId, name) {
      const result = await driver.execute({
        sql: `SELECT ${COLUMNS} FROM prompt_versions WHERE tenant_id = ? AND name = ? ORDER BY version`,
        args: [tenantId, name],
      });
      return result.rows.map(promptVersionFromRow);
    },
    async listNames(tenantId) {
      const result = await driver.execute({
        sql: `SELECT v.name AS name, v.version AS version, v.created_at AS created_at
              FROM prompt_versions AS v
              WHERE v.tenant_id = ?
                AND v.version = (SELECT MAX(version) FROM prompt_versions
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
  };
}

function promptVersionFromRow(row: Row): PromptVersionRow {
  const kind = text(row, 'kind');
  if (kind !== 'text' && kind !== 'chat') throw new TypeError(`prompt_versions.kind: unexpected ${kind}`);
  const modelConfig = nullableText(row, 'model_config');
  return {
    tenantId: text(row, 'tenant_id'),
    name: text(row, 'name'),
    version: integer(row, 'version'),
    kind,
    template: JSON.parse(text(row, 'template')) as string | PromptMessageTemplate[],
    variables: JSON.parse(text(row, 'variables')) as PromptVariablesSchema,
    modelConfig: modelConfig === null ? null : (JSON.parse(modelConfig) as PromptModelConfig),
    message: nullableText(row, 'message'),
    contentHash: text(row, 'content_hash'),
    createdAt: text(row, 'created_at'),
    createdBy: nullableText(row, 'created_by'),
  };
}
