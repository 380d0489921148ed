export type SqlValue = string | number | null;

export interface SqlStatement {
  sql: string;
  args: SqlValue[];
}

export interface SqlResult {
  rows: Record<string, unknown>[];
  rowsAffected: number;
}

/**
 * The little the SQL MetadataStore needs from a SQLite-dialect database (libSQL, D1). Statements are
 * always parameterised; `batch` is one transaction: every statement applies or none does.
 */
export interface SqlDriver {
  execute(statement: SqlStatement): Promise<SqlResult>;
  batch(statements: SqlStatement[]): Promise<SqlResult[]>;
  close(): Promise<void>;
}
