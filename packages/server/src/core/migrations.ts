/** One numbered SQL migration (`migrations/NNNN-name.sql`), embedded so Workers need no file system. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export interface MigrationStatement {
  sql: string;
  args: (string | number | null)[];
}

/**
 * What the runner needs from a database: single statements, and batches that apply all or nothing
 * (libSQL `batch(..., 'write')`, D1 `batch()`). Interactive transactions are not required, so D1 works.
 */
export interface MigrationDriver {
  execute(statement: MigrationStatement): Promise<{ rows: Record<string, unknown>[] }>;
  batch(statements: MigrationStatement[]): Promise<unknown>;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly version: number,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

const MIGRATIONS_TABLE = 'schema_migrations';
const RECORD_SQL = `INSERT INTO ${MIGRATIONS_TABLE} (version, name, applied_at) VALUES (?, ?, ?)`;

/**
 * Applies the pending migrations in version order, each in one batch together with the row that
 * records it. Migration 1 creates `schema_migrations` itself.
 *
 * Safe when several processes start together: the record is a plain INSERT on the primary key (not
 * ON CONFLICT DO NOTHING), so a process that lost the race has its whole batch rolled back (either by
 * its DDL hitting existing tables or by the duplicate version) and, after re-reading what is applied,
 * moves on. A failure that leaves the version unrecorded is re-thrown as a MigrationError.
 */
export async function applyMigrations(
  driver: MigrationDriver,
  migrations: readonly Migration[],
  options: { now: () => string },
): Promise<{ applied: number[] }> {
  const ordered = sortedMigrations(migrations);
  let done = await appliedVersions(driver);
  const applied: number[] = [];
  for (const migration of ordered) {
    if (done.has(migration.version)) continue;
    const statements: MigrationStatement[] = splitSqlStatements(migration.sql).map((sql) => ({
      sql,
      args: [],
    }));
    statements.push({ sql: RECORD_SQL, args: [migration.version, migration.name, options.now()] });
    try {
      await driver.batch(statements);
      applied.push(migration.version);
    } catch (error) {
      done = await appliedVersions(driver);
      if (!done.has(migration.version)) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new MigrationError(
          migration.version,
          `migration ${formatVersion(migration)} failed: ${reason}`,
          { cause: error },
        );
      }
    }
  }
  return { applied };
}

async function appliedVersions(driver: MigrationDriver): Promise<Set<number>> {
  const table = await driver.execute({
    sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
    args: [MIGRATIONS_TABLE],
  });
  if (table.rows.length === 0) return new Set();
  const result = await driver.execute({ sql: `SELECT version FROM ${MIGRATIONS_TABLE}`, args: [] });
  return new Set(result.rows.map((row) => Number(row.version)));
}

function sortedMigrations(migrations: readonly Migration[]): Migration[] {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  ordered.forEach((migration, index) => {
    if (!Number.isSafeInteger(migration.version) || migration.version < 1) {
      throw new MigrationError(
        migration.version,
        `migration version must be a positive integer: ${migration.version}`,
      );
    }
    if (index > 0 && ordered[index - 1]?.version === migration.version) {
      throw new MigrationError(migration.version, `duplicate migration version ${migration.version}`);
    }
  });
  return ordered;
}

function formatVersion(migration: Migration): string {
  return `${String(migration.version).padStart(4, '0')}-${migration.name}`;
}

/**
 * Splits a SQL script into statements on `;`, ignoring semicolons in quotes, in comments and inside
 * `CREATE TRIGGER ... BEGIN ... END` bodies. Comments are dropped; empty statements are skipped.
 */
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = [];
  let current = '';
  let words: string[] = [];
  let depth = 0;
  let i = 0;

  const finish = () => {
    const text = current.trim();
    if (text !== '') statements.push(text);
    current = '';
    words = [];
    depth = 0;
  };
  const isTrigger = () => {
    const [first, second, third] = words;
    if (first !== 'CREATE') return false;
    return second === 'TRIGGER' || ((second === 'TEMP' || second === 'TEMPORARY') && third === 'TRIGGER');
  };

  while (i < script.length) {
    const char = script[i] as string;
    const next = script[i + 1];
    if (char === '-' && next === '-') {
      const end = script.indexOf('\n', i);
      i = end === -1 ? script.length : end;
      current += ' ';
    } else if (char === '/' && next === '*') {
      const end = script.indexOf('*/', i + 2);
      i = end === -1 ? script.length : end + 2;
      current += ' ';
    } else if (char === "'" || char === '"' || char === '`' || char === '[') {
      const close = char === '[' ? ']' : char;
      let j = i + 1;
      while (j < script.length) {
        if (script[j] === close) {
          // a doubled quote is an escaped quote, except for [brackets]
          if (close !== ']' && script[j + 1] === close) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      current += script.slice(i, j + 1);
      i = j + 1;
    } else if (/[A-Za-z_]/.test(char)) {
      let j = i;
      while (j < script.length && /[A-Za-z0-9_$]/.test(script[j] as string)) j++;
      const word = script.slice(i, j);
      const upper = word.toUpperCase();
      if (words.length < 3) words.push(upper);
      if (isTrigger()) {
        if (upper === 'BEGIN' || upper === 'CASE') depth++;
        else if (upper === 'END') depth--;
      }
      current += word;
      i = j;
    } else if (char === ';' && depth <= 0) {
      finish();
      i++;
    } else {
      current += char;
      i++;
    }
  }
  finish();
  return statements;
}
