import type { PriceEntry, PriceRepository, PriceVersionRow } from '../../ports/cost-repositories.js';
import type { SqlDriver } from './sql-driver.js';
import { integer, nullableText, type Row, text } from './sql-row.js';

const COLUMNS = 'version, effective_from, entries, source, note, created_at, created_by';

/** The global price book: versions 1, 2, ... appended atomically, never rewritten (a trigger refuses updates). */
export function createSqlPriceRepository(driver: SqlDriver): PriceRepository {
  return {
    async append(row, expectedLatest) {
      const expected = expectedLatest ?? 0;
      const version = expected + 1;
      // The MAX check and the insert run in one statement of one transaction: a concurrent writer that
      // appended first makes this insert nothing, and the caller re-reads.
      const [inserted, selected] = await driver.batch([
        {
          sql: `INSERT INTO price_versions (${COLUMNS})
                SELECT ?, ?, ?, ?, ?, ?, ?
                WHERE (SELECT COALESCE(MAX(version), 0) FROM price_versions) = ?
                ON CONFLICT DO NOTHING`,
          args: [
            version,
            row.effectiveFrom,
            JSON.stringify(row.entries),
            row.source,
            row.note,
            row.createdAt,
            row.createdBy,
            expected,
          ],
        },
        { sql: `SELECT ${COLUMNS} FROM price_versions WHERE version = ?`, args: [version] },
      ]);
      if ((inserted?.rowsAffected ?? 0) === 0) return null;
      const written = selected?.rows[0];
      if (!written) throw new Error(`price version ${version} was not found after insert`);
      return priceVersionFromRow(written);
    },
    async list() {
      const result = await driver.execute({
        sql: `SELECT ${COLUMNS} FROM price_versions ORDER BY version`,
        args: [],
      });
      return result.rows.map(priceVersionFromRow);
    },
    async get(version) {
      const result = await driver.execute({
        sql: `SELECT ${COLUMNS} FROM price_versions WHERE version = ?`,
        args: [version],
      });
      const row = result.rows[0];
      return row ? priceVersionFromRow(row) : null;
    },
  };
}

function priceVersionFromRow(row: Row): PriceVersionRow {
  const source = text(row, 'source');
  if (source !== 'config' && source !== 'api')
    throw new TypeError(`price_versions.source: unexpected ${source}`);
  return {
    version: integer(row, 'version'),
    effectiveFrom: text(row, 'effective_from'),
    entries: JSON.parse(text(row, 'entries')) as PriceEntry[],
    source,
    note: nullableText(row, 'note'),
    createdAt: text(row, 'created_at'),
    createdBy: nullableText(row, 'created_by'),
  };
}
