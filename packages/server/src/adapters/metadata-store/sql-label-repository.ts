import type {
  LabelMoveRow,
  LabelRepository,
  LabelRow,
  LabelSubject,
  PolicyDecision,
} from '../../ports/registry-repositories.js';
import type { SqlDriver, SqlValue } from './sql-driver.js';
import { integer, nullableText, type Row, text } from './sql-row.js';

const LABEL_COLUMNS = 'tenant_id, subject, name, label, target, updated_at, updated_by';
const MOVE_COLUMNS =
  'id, tenant_id, subject, name, label, from_target, to_target, moved_at, moved_by, policy_decision';
const LABEL_KEY = 'tenant_id = ? AND subject = ? AND name = ? AND label = ?';

/** Labels of prompts, models and releases: moved by compare-and-swap, every move kept in label_moves. */
export function createSqlLabelRepository(driver: SqlDriver): LabelRepository {
  return {
    async get(tenantId, subject, name, label) {
      const result = await driver.execute({
        sql: `SELECT ${LABEL_COLUMNS} FROM labels WHERE ${LABEL_KEY}`,
        args: [tenantId, subject, name, label],
      });
      const row = result.rows[0];
      return row ? labelFromRow(row) : null;
    },
    async list(tenantId, subject, name) {
      const where = ['tenant_id = ?', 'subject = ?'];
      const args: SqlValue[] = [tenantId, subject];
      if (name !== undefined) {
        where.push('name = ?');
        args.push(name);
      }
      const result = await driver.execute({
        sql: `SELECT ${LABEL_COLUMNS} FROM labels WHERE ${where.join(' AND ')} ORDER BY name, label`,
        args,
      });
      return result.rows.map(labelFromRow);
    },
    async set(change) {
      const key = [change.tenantId, change.subject, change.name, change.label];
      // Both writes test the same condition (the label still points at `expected`) inside one write
      // transaction, so the move is recorded exactly when the label moves, and of two movers that read
      // the same target only the first changes anything.
      const stillExpected =
        change.expected === null
          ? `NOT EXISTS (SELECT 1 FROM labels WHERE ${LABEL_KEY})`
          : `EXISTS (SELECT 1 FROM labels WHERE ${LABEL_KEY} AND target = ?)`;
      const expectedArgs: SqlValue[] = change.expected === null ? key : [...key, change.expected];
      const tenantExists = 'EXISTS (SELECT 1 FROM tenants WHERE id = ?)';
      const [, written, tenant, selected] = await driver.batch([
        {
          sql: `INSERT INTO label_moves (tenant_id, subject, name, label, from_target, to_target, moved_at, moved_by, policy_decision)
                SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE ${tenantExists} AND ${stillExpected}`,
          args: [
            ...key,
            change.expected,
            change.target,
            change.at,
            change.by,
            JSON.stringify(change.decision),
            change.tenantId,
            ...expectedArgs,
          ],
        },
        change.expected === null
          ? {
              sql: `INSERT INTO labels (${LABEL_COLUMNS}) SELECT ?, ?, ?, ?, ?, ?, ?
                    WHERE ${tenantExists} AND ${stillExpected} ON CONFLICT DO NOTHING`,
              args: [...key, change.target, change.at, change.by, change.tenantId, ...expectedArgs],
            }
          : {
              sql: `UPDATE labels SET target = ?, updated_at = ?, updated_by = ? WHERE ${LABEL_KEY} AND target = ?`,
              args: [change.target, change.at, change.by, ...key, change.expected],
            },
        { sql: 'SELECT 1 AS found FROM tenants WHERE id = ?', args: [change.tenantId] },
        { sql: `SELECT ${LABEL_COLUMNS} FROM labels WHERE ${LABEL_KEY}`, args: key },
      ]);
      if ((tenant?.rows.length ?? 0) === 0) throw new Error(`labels.set: unknown tenant ${change.tenantId}`);
      if ((written?.rowsAffected ?? 0) === 0) return null;
      const row = selected?.rows[0];
      if (!row) throw new Error(`label ${change.label} was not found after it was set`);
      return labelFromRow(row);
    },
    async history(tenantId, subject, name, { label, limit, before }) {
      if (!Number.isSafeInteger(limit) || limit < 1) {
        throw new RangeError(`labels.history: limit must be a positive integer, got ${limit}`);
      }
      const where = ['tenant_id = ?', 'subject = ?', 'name = ?'];
      const args: SqlValue[] = [tenantId, subject, name];
      if (label !== undefined) {
        where.push('label = ?');
        args.push(label);
      }
      if (before !== undefined) {
        where.push('id < ?');
        args.push(before);
      }
      args.push(limit);
      const result = await driver.execute({
        sql: `SELECT ${MOVE_COLUMNS} FROM label_moves WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`,
        args,
      });
      return result.rows.map(moveFromRow);
    },
  };
}

function subjectOf(row: Row): LabelSubject {
  const subject = text(row, 'subject');
  if (subject !== 'prompt' && subject !== 'model' && subject !== 'release') {
    throw new TypeError(`labels.subject: unexpected ${subject}`);
  }
  return subject;
}

function labelFromRow(row: Row): LabelRow {
  return {
    tenantId: text(row, 'tenant_id'),
    subject: subjectOf(row),
    name: text(row, 'name'),
    label: text(row, 'label'),
    target: text(row, 'target'),
    updatedAt: text(row, 'updated_at'),
    updatedBy: nullableText(row, 'updated_by'),
  };
}

function moveFromRow(row: Row): LabelMoveRow {
  return {
    id: integer(row, 'id'),
    tenantId: text(row, 'tenant_id'),
    subject: subjectOf(row),
    name: text(row, 'name'),
    label: text(row, 'label'),
    from: nullableText(row, 'from_target'),
    to: text(row, 'to_target'),
    at: text(row, 'moved_at'),
    by: nullableText(row, 'moved_by'),
    decision: JSON.parse(text(row, 'policy_decision')) as PolicyDecision,
  };
}
