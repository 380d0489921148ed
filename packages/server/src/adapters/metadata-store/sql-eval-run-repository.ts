import type { EvalRun, EvalTargetKind } from '@ragline/eval';
import type {
  EvalRunRecord,
  EvalRunRepository,
  EvalRunRow,
  EvalRunSource,
  EvalRunStatus,
} from '../../ports/eval-repositories.js';
import type { SqlDriver, SqlStatement, SqlValue } from './sql-driver.js';
import { integer, nullableInteger, nullableText, type Row, text } from './sql-row.js';

const ROW_COLUMNS =
  'tenant_id, id, source, status, progress_done, progress_total, suite_name, suite_hash, target_kind, ' +
  'target_id, target_content_hash, passed, incomplete, failing, error, created_at, created_by, updated_at, ' +
  'completed_at';
const RECORD_COLUMNS = `${ROW_COLUMNS}, run`;
const OPEN = "status IN ('queued', 'running')";
/** The tenant's next completion order, computed inside the write so two completions cannot share one. */
const NEXT_SEQ = '(SELECT COALESCE(MAX(completed_seq), 0) + 1 FROM eval_runs WHERE tenant_id = ?)';

/** Eval runs: inserted queued (server runs) or completed (recorded runs); only open runs change status. */
export function createSqlEvalRunRepository(driver: SqlDriver): EvalRunRepository {
  const select = (tenantId: string, id: string): SqlStatement => ({
    sql: `SELECT ${RECORD_COLUMNS} FROM eval_runs WHERE tenant_id = ? AND id = ?`,
    args: [tenantId, id],
  });
  return {
    async insert(row, completion) {
      const args: SqlValue[] = [
        row.tenantId,
        row.id,
        row.source,
        completion ? 'completed' : 'queued',
        completion ? row.progressTotal : 0,
        row.progressTotal,
        row.suiteName,
        completion?.suiteHash ?? null,
        row.targetKind,
        completion?.targetId ?? row.targetId,
        completion?.targetContentHash ?? null,
        completion ? Number(completion.passed) : null,
        completion ? Number(completion.incomplete) : null,
        JSON.stringify(completion?.failing ?? []),
        completion ? JSON.stringify(completion.run) : null,
        row.createdAt,
        row.createdBy,
        completion?.at ?? row.createdAt,
        completion?.at ?? null,
      ];
      const [inserted, stored] = await driver.batch([
        {
          sql: `INSERT INTO eval_runs (tenant_id, id, source, status, progress_done, progress_total, suite_name,
                  suite_hash, target_kind, target_id, target_content_hash, passed, incomplete, failing, run,
                  created_at, created_by, updated_at, completed_at, completed_seq)
                SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${completion ? NEXT_SEQ : 'NULL'}
                WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ?)`,
          args: [...args, ...(completion ? [row.tenantId] : []), row.tenantId],
        },
        select(row.tenantId, row.id),
      ]);
      if ((inserted?.rowsAffected ?? 0) === 0)
        throw new Error(`evalRuns.insert: unknown tenant ${row.tenantId}`);
      const written = stored?.rows[0];
      if (!written) throw new Error(`eval run ${row.id} was not found after insert`);
      return recordFromRow(written);
    },
    async get(tenantId, id) {
      const row = (await driver.execute(select(tenantId, id))).rows[0];
      return row ? recordFromRow(row) : null;
    },
    async list(tenantId, { limit, before, targetContentHash, status }) {
      checkLimit('evalRuns.list', limit);
      const where = ['tenant_id = ?'];
      const args: SqlValue[] = [tenantId];
      if (targetContentHash !== undefined) {
        where.push('target_content_hash = ?');
        args.push(targetContentHash);
      }
      if (status !== undefined) {
        where.push('status = ?');
        args.push(status);
      }
      if (before !== undefined) {
        // A cursor the tenant does not have yields an empty page.
        where.push(
          '(created_at, id) < (SELECT created_at, id FROM eval_runs WHERE tenant_id = ? AND id = ?)',
        );
        args.push(tenantId, before);
      }
      args.push(limit);
      const result = await driver.execute({
        sql: `SELECT ${ROW_COLUMNS} FROM eval_runs WHERE ${where.join(' AND ')}
              ORDER BY created_at DESC, id DESC LIMIT ?`,
        args,
      });
      return result.rows.map(rowFromRow);
    },
    async progress(tenantId, id, done, at) {
      const result = await driver.execute({
        sql: `UPDATE eval_runs SET status = 'running', progress_done = MAX(progress_done, MIN(?, progress_total)),
                updated_at = ?
              WHERE tenant_id = ? AND id = ? AND ${OPEN}`,
        args: [done, at, tenantId, id],
      });
      return result.rowsAffected > 0;
    },
    async complete(tenantId, id, completion) {
      const result = await driver.execute({
        sql: `UPDATE eval_runs SET status = 'completed', progress_done = progress_total, suite_hash = ?,
                target_id = ?, target_content_hash = ?, passed = ?, incomplete = ?, failing = ?, run = ?,
                updated_at = ?, completed_at = ?, completed_seq = ${NEXT_SEQ}
              WHERE tenant_id = ? AND id = ? AND ${OPEN}`,
        args: [
          completion.suiteHash,
          completion.targetId,
          completion.targetContentHash,
          Number(completion.passed),
          Number(completion.incomplete),
          JSON.stringify(completion.failing),
          JSON.stringify(completion.run),
          completion.at,
          completion.at,
          tenantId,
          tenantId,
          id,
        ],
      });
      return result.rowsAffected > 0;
    },
    async fail(tenantId, id, error, at) {
      const result = await driver.execute({
        sql: `UPDATE eval_runs SET status = 'failed', error = ?, updated_at = ?
              WHERE tenant_id = ? AND id = ? AND ${OPEN}`,
        args: [error, at, tenantId, id],
      });
      return result.rowsAffected > 0;
    },
    async latestCompleted(tenantId, targetContentHash) {
      const result = await driver.execute({
        sql: `SELECT ${ROW_COLUMNS} FROM eval_runs
              WHERE tenant_id = ? AND target_content_hash = ? AND status = 'completed'
              ORDER BY completed_seq DESC LIMIT 1`,
        args: [tenantId, targetContentHash],
      });
      const row = result.rows[0];
      return row ? rowFromRow(row) : null;
    },
    async listCompleted(tenantId, { targetKind, targetId, limit }) {
      checkLimit('evalRuns.listCompleted', limit);
      const args: SqlValue[] = [tenantId, targetKind];
      if (targetId !== undefined) args.push(targetId);
      args.push(limit);
      const result = await driver.execute({
        sql: `SELECT ${ROW_COLUMNS} FROM eval_runs
              WHERE tenant_id = ? AND status = 'completed' AND target_kind = ?
                ${targetId === undefined ? '' : 'AND target_id = ?'}
              ORDER BY completed_seq DESC LIMIT ?`,
        args,
      });
      return result.rows.map(rowFromRow);
    },
  };
}

function checkLimit(where: string, limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`${where}: limit must be a positive integer, got ${limit}`);
  }
}

function nullableBoolean(row: Row, column: string): boolean | null {
  const value = nullableInteger(row, column);
  return value === null ? null : value === 1;
}

function rowFromRow(row: Row): EvalRunRow {
  return {
    tenantId: text(row, 'tenant_id'),
    id: text(row, 'id'),
    source: text(row, 'source') as EvalRunSource,
    status: text(row, 'status') as EvalRunStatus,
    progress: { done: integer(row, 'progress_done'), total: integer(row, 'progress_total') },
    suiteName: text(row, 'suite_name'),
    suiteHash: nullableText(row, 'suite_hash'),
    targetKind: text(row, 'target_kind') as EvalTargetKind,
    targetId: nullableText(row, 'target_id'),
    targetContentHash: nullableText(row, 'target_content_hash'),
    passed: nullableBoolean(row, 'passed'),
    incomplete: nullableBoolean(row, 'incomplete'),
    failing: JSON.parse(text(row, 'failing')) as string[],
    error: nullableText(row, 'error'),
    createdAt: text(row, 'created_at'),
    createdBy: nullableText(row, 'created_by'),
    updatedAt: text(row, 'updated_at'),
    completedAt: nullableText(row, 'completed_at'),
  };
}

function recordFromRow(row: Row): EvalRunRecord {
  const run = nullableText(row, 'run');
  return { ...rowFromRow(row), run: run === null ? null : (JSON.parse(run) as EvalRun) };
}
