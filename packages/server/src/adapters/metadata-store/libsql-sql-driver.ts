import type { Client } from '@libsql/client';
import type { SqlDriver, SqlResult, SqlStatement } from './sql-driver.js';

export interface LibsqlSqlDriverOptions {
  /** Close the client with the driver (true when the driver's owner created the client). */
  ownsClient: boolean;
}

/**
 * Wraps a @libsql/client Client. Before the first statement it turns on foreign keys and, for local
 * files, WAL (a no-op for `:memory:`). libSQL's native build already enables foreign keys on every
 * pooled connection; the PRAGMA makes that explicit for the connection it lands on.
 */
export function createLibsqlSqlDriver(client: Client, options: LibsqlSqlDriverOptions): SqlDriver {
  let ready: Promise<void> | undefined;
  const prepare = () => {
    ready ??= (async () => {
      if (client.protocol === 'file') await client.execute('PRAGMA journal_mode = WAL');
      await client.execute('PRAGMA foreign_keys = ON');
    })().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };

  return {
    async execute(statement: SqlStatement): Promise<SqlResult> {
      await prepare();
      const result = await client.execute({ sql: statement.sql, args: statement.args });
      return { rows: result.rows, rowsAffected: result.rowsAffected };
    },
    async batch(statements: SqlStatement[]): Promise<SqlResult[]> {
      if (statements.length === 0) return [];
      await prepare();
      const results = await client.batch(
        statements.map((statement) => ({ sql: statement.sql, args: statement.args })),
        'write',
      );
      return results.map((result) => ({ rows: result.rows, rowsAffected: result.rowsAffected }));
    },
    async close(): Promise<void> {
      if (options.ownsClient) client.close();
    },
  };
}
