import type {
  CallOutcomeKind,
  CostBasis,
  LedgerRepository,
  MeteredKind,
  UsageGroup,
  UsageGroupBy,
  UsageRecord,
  UsageSource,
} from '../../ports/cost-repositories.js';
import type { SqlDriver, SqlStatement, SqlValue } from './sql-driver.js';
import { integer, nullableInteger, nullableText, type Row, text } from './sql-row.js';

/** Column order of a record row; `append` sends each record as a JSON array in this order. */
const RECORD_COLUMNS = [
  'tenant_id',
  'id',
  'request_id',
  'key_id',
  'kind',
  'route',
  'route_version',
  'target',
  'target_kind',
  'model',
  'prompt_version',
  'release_id',
  'input_tokens',
  'cached_input_tokens',
  'output_tokens',
  'reasoning_tokens',
  'usage_source',
  'estimate_method',
  'gpu_busy_us',
  'stream',
  'outcome',
  'started_at_ms',
  'duration_ms',
  'cost_micros',
  'price_version',
  'cost_basis',
] as const;

const COST_COLUMNS = ['tenant_id', 'record_id', 'price_version', 'cost_micros', 'cost_basis', 'computed_at'];

/**
 * Records per statement. Every statement binds one parameter (a JSON array of rows) whatever its size,
 * which keeps inserts within D1's 100 bound parameters; the slice keeps each parameter well under its
 * 2 MB value limit (a record is about 400 bytes of JSON).
 */
const ROWS_PER_STATEMENT = 1000;

const GROUP_COLUMNS: Record<UsageGroupBy, string> = {
  model: 'r.model',
  target: 'r.target',
  key: 'r.key_id',
  route: 'r.route',
  prompt: 'r.prompt_version',
  release: 'r.release_id',
  // Integer division floors the (positive) epoch milliseconds to seconds: the record's UTC date.
  day: "strftime('%Y-%m-%d', r.started_at_ms / 1000, 'unixepoch')",
  kind: 'r.kind',
};

/**
 * The usage ledger over any SQLite-dialect driver. Appends are `INSERT ... SELECT FROM json_each(?) ON
 * CONFLICT DO NOTHING`: a whole batch is one bound parameter per statement (D1 allows 100) and one
 * transaction, and a record already stored under its (tenant, id) is skipped, so retries and replays never
 * double-count.
 * Sums are SQLite integer sums: exact (and an overflow is an error, never a rounded total).
 */
export function createSqlLedgerRepository(driver: SqlDriver): LedgerRepository {
  return {
    async append(records) {
      if (records.length === 0) return 0;
      const statements: SqlStatement[] = [];
      for (let i = 0; i < records.length; i += ROWS_PER_STATEMENT) {
        const rows = records.slice(i, i + ROWS_PER_STATEMENT).map(recordToRow);
        statements.push(
          jsonInsert('usage_records', RECORD_COLUMNS, rows, 'ON CONFLICT (tenant_id, id) DO NOTHING'),
        );
      }
      const results = await driver.batch(statements);
      return results.reduce((sum, result) => sum + result.rowsAffected, 0);
    },

    async summarize(query) {
      const dimensions = query.groupBy.map((dimension, index) => {
        const column = GROUP_COLUMNS[dimension];
        if (!column) throw new RangeError(`unknown usage dimension "${dimension}"`);
        return { alias: `g${index}`, column };
      });
      const recomputed = query.priceVersion !== undefined;
      // With a price version, a record's cost is its recomputed cost; a record without one counts as unpriced.
      const cost = recomputed ? 'COALESCE(c.cost_micros, 0)' : 'r.cost_micros';
      const unpriced = recomputed
        ? "(c.record_id IS NULL OR c.cost_basis = 'unpriced')"
        : "(r.cost_basis = 'unpriced')";
      const join = recomputed
        ? 'LEFT JOIN usage_costs c ON c.tenant_id = r.tenant_id AND c.record_id = r.id AND c.price_version = ?'
        : '';
      const where = recordFilter(query);
      const groupList = dimensions.map((d) => d.alias).join(', ');
      const result = await driver.execute({
        sql: `SELECT ${dimensions.map((d) => `${d.column} AS ${d.alias}, `).join('')}
                COUNT(*) AS requests,
                SUM(r.input_tokens) AS input_tokens,
                SUM(r.cached_input_tokens) AS cached_input_tokens,
                SUM(r.output_tokens) AS output_tokens,
                SUM(r.reasoning_tokens) AS reasoning_tokens,
                SUM(${cost}) AS cost_micros,
                SUM(r.usage_source = 'estimated') AS estimated_requests,
                SUM(${unpriced}) AS unpriced_requests
              FROM usage_records r ${join}
              WHERE ${where.sql}
              ${dimensions.length > 0 ? `GROUP BY ${groupList} ORDER BY ${groupList}` : ''}`,
        args: [...(recomputed ? [query.priceVersion as number] : []), ...where.args],
      });
      return result.rows
        .filter((row) => integer(row, 'requests') > 0)
        .map(
          (row): UsageGroup => ({
            keys: dimensions.map((d) => groupKey(row[d.alias])),
            requests: integer(row, 'requests'),
            inputTokens: integer(row, 'input_tokens'),
            cachedInputTokens: integer(row, 'cached_input_tokens'),
            outputTokens: integer(row, 'output_tokens'),
            reasoningTokens: integer(row, 'reasoning_tokens'),
            costMicros: integer(row, 'cost_micros'),
            estimatedRequests: integer(row, 'estimated_requests'),
            unpricedRequests: integer(row, 'unpriced_requests'),
          }),
        );
    },

    async list(query) {
      if (!Number.isInteger(query.limit) || query.limit < 1) {
        throw new RangeError(`limit must be a positive integer, got ${query.limit}`);
      }
      const where = recordFilter(query);
      const after = query.after
        ? {
            sql: ' AND (r.started_at_ms > ? OR (r.started_at_ms = ? AND r.id > ?))',
            args: [query.after.startedAtMs, query.after.startedAtMs, query.after.id],
          }
        : { sql: '', args: [] };
      const result = await driver.execute({
        sql: `SELECT ${RECORD_COLUMNS.map((c) => `r.${c}`).join(', ')}
              FROM usage_records r
              WHERE ${where.sql}${after.sql}
              ORDER BY r.started_at_ms, r.id
              LIMIT ?`,
        args: [...where.args, ...after.args, query.limit],
      });
      return result.rows.map(recordFromRow);
    },

    async spentMicros(query) {
      const where = recordFilter(query);
      const result = await driver.execute({
        sql: `SELECT COALESCE(SUM(r.cost_micros), 0) AS spent FROM usage_records r WHERE ${where.sql}`,
        args: where.args,
      });
      const row = result.rows[0];
      return row ? integer(row, 'spent') : 0;
    },

    async putRecomputed(rows) {
      if (rows.length === 0) return;
      const statements: SqlStatement[] = [];
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
        const slice = rows.slice(i, i + ROWS_PER_STATEMENT).map((row) => {
          assertCount('costMicros', row.costMicros);
          assertCount('priceVersion', row.priceVersion);
          return [
            row.tenantId,
            row.recordId,
            row.priceVersion,
            row.costMicros,
            row.costBasis,
            row.computedAt,
          ];
        });
        statements.push(
          jsonInsert(
            'usage_costs',
            COST_COLUMNS,
            slice,
            `ON CONFLICT (tenant_id, record_id, price_version) DO UPDATE SET
               cost_micros = excluded.cost_micros, cost_basis = excluded.cost_basis, computed_at = excluded.computed_at`,
          ),
        );
      }
      await driver.batch(statements);
    },
  };
}

/**
 * `INSERT INTO table (columns) SELECT json_extract(value, '$[0]'), ... FROM json_each(?) <conflict>`: the
 * rows travel as one JSON parameter. The conflict clause names the primary key on purpose: `INSERT OR
 * IGNORE` would also skip rows failing a CHECK, losing a bad record silently instead of failing the batch.
 * (`WHERE true` lets SQLite parse the upsert after a SELECT.)
 */
function jsonInsert(
  table: string,
  columns: readonly string[],
  rows: SqlValue[][],
  conflict: string,
): SqlStatement {
  const values = columns.map((_, index) => `json_extract(value, '$[${index}]')`).join(', ');
  return {
    sql: `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${values} FROM json_each(?) WHERE true ${conflict}`,
    args: [JSON.stringify(rows)],
  };
}

function recordFilter(query: { tenantId: string; fromMs: number; toMs: number; keyId?: string }): {
  sql: string;
  args: SqlValue[];
} {
  const sql = 'r.tenant_id = ? AND r.started_at_ms >= ? AND r.started_at_ms < ?';
  const args: SqlValue[] = [query.tenantId, query.fromMs, query.toMs];
  if (query.keyId === undefined) return { sql, args };
  return { sql: `${sql} AND r.key_id = ?`, args: [...args, query.keyId] };
}

function recordToRow(record: UsageRecord): SqlValue[] {
  // JSON carries numbers exactly only as safe integers; anything else is a caller's bug, refused before SQL.
  assertCount('inputTokens', record.inputTokens);
  assertCount('cachedInputTokens', record.cachedInputTokens);
  assertCount('outputTokens', record.outputTokens);
  assertCount('reasoningTokens', record.reasoningTokens);
  assertCount('startedAtMs', record.startedAtMs);
  assertCount('durationMs', record.durationMs);
  assertCount('costMicros', record.costMicros);
  if (record.gpuBusyUs !== null) assertCount('gpuBusyUs', record.gpuBusyUs);
  if (record.routeVersion !== null) assertCount('routeVersion', record.routeVersion);
  if (record.priceVersion !== null) assertCount('priceVersion', record.priceVersion);
  return [
    record.tenantId,
    record.id,
    record.requestId,
    record.keyId,
    record.kind,
    record.route,
    record.routeVersion,
    record.target,
    record.targetKind,
    record.model,
    record.promptVersion,
    record.releaseId,
    record.inputTokens,
    record.cachedInputTokens,
    record.outputTokens,
    record.reasoningTokens,
    record.usageSource,
    record.estimateMethod,
    record.gpuBusyUs,
    record.stream ? 1 : 0,
    record.outcome,
    record.startedAtMs,
    record.durationMs,
    record.costMicros,
    record.priceVersion,
    record.costBasis,
  ];
}

function assertCount(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`usage record ${field}: expected a non-negative safe integer, got ${value}`);
  }
}

function recordFromRow(row: Row): UsageRecord {
  return {
    tenantId: text(row, 'tenant_id'),
    id: text(row, 'id'),
    requestId: text(row, 'request_id'),
    keyId: nullableText(row, 'key_id'),
    kind: text(row, 'kind') as MeteredKind,
    route: nullableText(row, 'route'),
    routeVersion: nullableInteger(row, 'route_version'),
    target: nullableText(row, 'target'),
    targetKind: nullableText(row, 'target_kind'),
    model: text(row, 'model'),
    promptVersion: nullableText(row, 'prompt_version'),
    releaseId: nullableText(row, 'release_id'),
    inputTokens: integer(row, 'input_tokens'),
    cachedInputTokens: integer(row, 'cached_input_tokens'),
    outputTokens: integer(row, 'output_tokens'),
    reasoningTokens: integer(row, 'reasoning_tokens'),
    usageSource: text(row, 'usage_source') as UsageSource,
    estimateMethod: nullableText(row, 'estimate_method'),
    gpuBusyUs: nullableInteger(row, 'gpu_busy_us'),
    stream: integer(row, 'stream') === 1,
    outcome: text(row, 'outcome') as CallOutcomeKind,
    startedAtMs: integer(row, 'started_at_ms'),
    durationMs: integer(row, 'duration_ms'),
    costMicros: integer(row, 'cost_micros'),
    priceVersion: nullableInteger(row, 'price_version'),
    costBasis: text(row, 'cost_basis') as CostBasis,
  };
}

function groupKey(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return String(value);
}
