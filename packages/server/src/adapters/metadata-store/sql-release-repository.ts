import type { ReleasePins, ReleaseRepository, ReleaseRow } from '../../ports/registry-repositories.js';
import type { SqlDriver, SqlValue } from './sql-driver.js';
import { nullableText, type Row, text } from './sql-row.js';

const COLUMNS = 'tenant_id, id, pins, collection_id, collection_version, created_at, created_by';

/** Releases: content-addressed, inserted once, never rewritten or deleted (triggers refuse it). */
export function createSqlReleaseRepository(driver: SqlDriver): ReleaseRepository {
  const select = (tenantId: string, id: string) => ({
    sql: `SELECT ${COLUMNS} FROM releases WHERE tenant_id = ? AND id = ?`,
    args: [tenantId, id],
  });
  return {
    async insert(row) {
      const [inserted, tenant, stored] = await driver.batch([
        {
          sql: `INSERT INTO releases (${COLUMNS})
                SELECT ?, ?, ?, ?, ?, ?, ?
                WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ?)
                ON CONFLICT DO NOTHING`,
          args: [
            row.tenantId,
            row.id,
            JSON.stringify(row.pins),
            row.pins.collection.id,
            row.pins.collection.version,
            row.createdAt,
            row.createdBy,
            row.tenantId,
          ],
        },
        { sql: 'SELECT 1 AS found FROM tenants WHERE id = ?', args: [row.tenantId] },
        select(row.tenantId, row.id),
      ]);
      if ((tenant?.rows.length ?? 0) === 0)
        throw new Error(`releases.insert: unknown tenant ${row.tenantId}`);
      const written = stored?.rows[0];
      if (!written) throw new Error(`release ${row.id} was not found after insert`);
      return { row: releaseFromRow(written), created: (inserted?.rowsAffected ?? 0) > 0 };
    },
    async get(tenantId, id) {
      const row = (await driver.execute(select(tenantId, id))).rows[0];
      return row ? releaseFromRow(row) : null;
    },
    async list(tenantId, { limit, before }) {
      if (!Number.isSafeInteger(limit) || limit < 1) {
        throw new RangeError(`releases.list: limit must be a positive integer, got ${limit}`);
      }
      const args: SqlValue[] = [tenantId];
      let page = '';
      if (before !== undefined) {
        // Row values order by (created_at, id); a cursor the tenant does not have yields an empty page.
        page = `AND (created_at, id) < (SELECT created_at, id FROM releases WHERE tenant_id = ? AND id = ?)`;
        args.push(tenantId, before);
      }
      args.push(limit);
      const result = await driver.execute({
        sql: `SELECT ${COLUMNS} FROM releases WHERE tenant_id = ? ${page}
              ORDER BY created_at DESC, id DESC LIMIT ?`,
        args,
      });
      return result.rows.map(releaseFromRow);
    },
    async pinnedCollectionVersions(tenantId, collectionId) {
      const result = await driver.execute({
        sql: `SELECT DISTINCT collection_version FROM releases
              WHERE tenant_id = ? AND collection_id = ? ORDER BY collection_version`,
        args: [tenantId, collectionId],
      });
      return result.rows.map((row) => text(row, 'collection_version'));
    },
  };
}

function releaseFromRow(row: Row): ReleaseRow {
  return {
    tenantId: text(row, 'tenant_id'),
    id: text(row, 'id'),
    pins: JSON.parse(text(row, 'pins')) as ReleasePins,
    createdAt: text(row, 'created_at'),
    createdBy: nullableText(row, 'created_by'),
  };
}
