import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, createClient } from '@libsql/client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  type Migration,
  MigrationError,
  splitSqlStatements,
} from '../../core/migrations.js';
import { createLibsqlSqlDriver } from './libsql-sql-driver.js';
import { migrations as embedded } from './migrations.generated.js';

const now = () => '2026-01-01T00:00:00.000Z';

const base: Migration = {
  version: 1,
  name: 'base',
  sql: `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
        CREATE TABLE things (id TEXT PRIMARY KEY);`,
};
const second: Migration = {
  version: 2,
  name: 'add-colour',
  sql: 'ALTER TABLE things ADD COLUMN colour TEXT;',
};

async function tables(client: Client): Promise<string[]> {
  const result = await client.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  return result.rows.map((row) => String(row.name));
}

async function versions(client: Client): Promise<number[]> {
  const result = await client.execute('SELECT version FROM schema_migrations ORDER BY version');
  return result.rows.map((row) => Number(row.version));
}

describe('applyMigrations', () => {
  const clients: Client[] = [];
  const dirs: string[] = [];
  const memory = () => {
    const client = createClient({ url: ':memory:' });
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('applies pending migrations in version order and records them', async () => {
    const client = memory();
    const driver = createLibsqlSqlDriver(client, { ownsClient: false });
    expect(await applyMigrations(driver, [second, base], { now })).toEqual({ applied: [1, 2] });
    expect(await versions(client)).toEqual([1, 2]);
    await client.execute("INSERT INTO things (id, colour) VALUES ('x', 'red')");
    expect(await applyMigrations(driver, [base, second], { now })).toEqual({ applied: [] });
  });

  it('applies only the new ones on a database that has some', async () => {
    const client = memory();
    const driver = createLibsqlSqlDriver(client, { ownsClient: false });
    await applyMigrations(driver, [base], { now });
    await client.execute("INSERT INTO things (id) VALUES ('kept')");
    expect(await applyMigrations(driver, [base, second], { now })).toEqual({ applied: [2] });
    expect((await client.execute('SELECT id, colour FROM things')).rows.map((r) => ({ ...r }))).toEqual([
      { id: 'kept', colour: null },
    ]);
  });

  it('a failing migration leaves nothing behind and is reported with its version', async () => {
    const client = memory();
    const driver = createLibsqlSqlDriver(client, { ownsClient: false });
    const broken: Migration = {
      version: 2,
      name: 'broken',
      sql: 'CREATE TABLE half_done (id TEXT); INSERT INTO no_such_table VALUES (1);',
    };
    const error = await applyMigrations(driver, [base, broken], { now }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).version).toBe(2);
    expect((error as MigrationError).message).toMatch(/0002-broken.*no_such_table/);
    expect(await tables(client)).not.toContain('half_done');
    expect(await versions(client)).toEqual([1]);
  });

  it('rejects duplicate versions before touching the database', async () => {
    const client = memory();
    const driver = createLibsqlSqlDriver(client, { ownsClient: false });
    await expect(applyMigrations(driver, [base, { ...second, version: 1 }], { now })).rejects.toThrow(
      /duplicate/,
    );
    expect(await tables(client)).toEqual([]);
  });

  it('a process that loses the race to apply a migration moves on without error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ragline-migrate-'));
    dirs.push(dir);
    const url = `file:${join(dir, 'race.db')}`;
    const winner = createClient({ url, timeout: 5000 });
    const loser = createClient({ url, timeout: 5000 });
    clients.push(winner, loser);
    const winnerDriver = createLibsqlSqlDriver(winner, { ownsClient: false });
    const loserDriver = createLibsqlSqlDriver(loser, { ownsClient: false });

    // The loser reads "nothing applied", then the winner applies everything before the loser writes.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let loserBatches = 0;
    const gatedLoser = {
      execute: loserDriver.execute,
      async batch(statements: Parameters<typeof loserDriver.batch>[0]) {
        loserBatches++;
        await gate;
        return loserDriver.batch(statements);
      },
    };
    const losing = applyMigrations(gatedLoser, embedded, { now });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(loserBatches).toBe(1);
    expect(await applyMigrations(winnerDriver, embedded, { now })).toEqual({
      applied: embedded.map((m) => m.version),
    });
    release();
    expect(await losing).toEqual({ applied: [] });
    expect(await versions(winner)).toEqual(embedded.map((m) => m.version));
  });
});

describe('splitSqlStatements', () => {
  it('splits on semicolons outside quotes and comments, dropping comments', () => {
    const script = `
      -- a comment; with a semicolon
      CREATE TABLE t (a TEXT DEFAULT 'x;y', "we;ird" INTEGER); /* block; comment */
      INSERT INTO t VALUES ('it''s; fine', 1);
      ;
      SELECT [odd;name] FROM t
    `;
    expect(splitSqlStatements(script)).toEqual([
      `CREATE TABLE t (a TEXT DEFAULT 'x;y', "we;ird" INTEGER)`,
      `INSERT INTO t VALUES ('it''s; fine', 1)`,
      'SELECT [odd;name] FROM t',
    ]);
  });

  it('keeps a trigger body, CASE ... END included, in one statement', () => {
    const trigger = `CREATE TRIGGER stamp AFTER UPDATE ON t BEGIN
        UPDATE t SET b = CASE WHEN new.a IS NULL THEN 0 ELSE 1 END;
        DELETE FROM u;
      END`;
    const temp = 'create temp trigger tt after insert on t begin select 1; end';
    expect(splitSqlStatements(`${trigger};\n${temp};\nSELECT 2;`)).toEqual([trigger, temp, 'SELECT 2']);
  });

  it('every statement of the embedded migrations prepares on libSQL', async () => {
    const client = createClient({ url: ':memory:' });
    try {
      for (const migration of embedded) {
        for (const sql of splitSqlStatements(migration.sql)) await client.execute(sql);
      }
      expect(await tables(client)).toEqual([
        'api_keys',
        'budget_alerts',
        'budgets',
        'collections',
        'documents',
        'eval_policies',
        'eval_runs',
        'label_moves',
        'labels',
        'model_eval_links',
        'model_versions',
        'price_versions',
        'prompt_versions',
        'releases',
        'route_versions',
        'schema_migrations',
        'tenants',
        'usage_costs',
        'usage_records',
      ]);
    } finally {
      client.close();
    }
  });
});
