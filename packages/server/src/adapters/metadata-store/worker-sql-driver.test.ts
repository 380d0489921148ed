import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient } from '@libsql/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { UsageRecord } from '../../ports/cost-repositories.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { createLibsqlMetadataStore, type LedgerWrites } from './libsql-metadata-store.js';
import { createLibsqlSqlDriver } from './libsql-sql-driver.js';
import type { SqlDriver } from './sql-driver.js';
import { createWorkerSqlDriver } from './worker-sql-driver.js';

const repoRoot = resolve(import.meta.dirname, '../../../../..');

function records(count: number, prefix: string, extra: Partial<UsageRecord> = {}): UsageRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    tenantId: 'tenant-a',
    id: `${prefix}_${i}`,
    requestId: `${prefix}_${i}`,
    keyId: 'key_1',
    kind: 'chat',
    route: 'chat',
    routeVersion: 1,
    target: 'vllm-a',
    targetKind: 'openai-compatible',
    model: 'llama',
    promptVersion: null,
    releaseId: null,
    inputTokens: 100 + (i % 1000),
    cachedInputTokens: 0,
    outputTokens: 20,
    reasoningTokens: 0,
    usageSource: 'upstream',
    estimateMethod: null,
    gpuBusyUs: null,
    stream: i % 2 === 0,
    outcome: 'ok',
    startedAtMs: Date.UTC(2026, 2, 1) + i,
    durationMs: 50,
    costMicros: 1000 + i,
    priceVersion: 1,
    costBasis: 'tokens',
    ...extra,
  }));
}

const ALL_TIME = { tenantId: 'tenant-a', fromMs: 0, toMs: Number.MAX_SAFE_INTEGER };

const dirs: string[] = [];
const closers: (() => Promise<void> | void)[] = [];
const tempDb = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ragline-worker-sql-'));
  dirs.push(dir);
  return `file:${join(dir, 'meta.db')}`;
};
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function openStore(url: string, ledgerWrites?: LedgerWrites): Promise<MetadataStore> {
  const store = createLibsqlMetadataStore({ url, ...(ledgerWrites ? { ledgerWrites } : {}) });
  closers.push(() => store.close());
  await store.migrate();
  return store;
}

/** Appends while a 1 ms interval runs, and reports the longest the interval went without firing. */
async function appendWhileTicking(store: MetadataStore, batch: UsageRecord[]) {
  let ticks = 0;
  let last = performance.now();
  let longestGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - last);
    last = now;
    ticks += 1;
  }, 1);
  const started = performance.now();
  last = started;
  try {
    const added = await store.ledger.append(batch);
    const ended = performance.now();
    longestGapMs = Math.max(longestGapMs, ended - last);
    return { added, ticks, longestGapMs, appendMs: ended - started };
  } finally {
    clearInterval(timer);
  }
}

describe('ledger appends on a worker thread (file database)', () => {
  it('leave the main thread running timers during a 20,000-record append (the default for a file)', async () => {
    const store = await openStore(await tempDb());
    await store.ledger.spentMicros(ALL_TIME); // starts the worker, so its start is not measured

    const run = await appendWhileTicking(store, records(20_000, 'big'));

    expect(run.added).toBe(20_000);
    // The main thread still builds the JSON parameter; the SQL itself runs elsewhere.
    expect(run.longestGapMs, JSON.stringify(run)).toBeLessThan(run.appendMs / 4);
    expect(run.ticks, JSON.stringify(run)).toBeGreaterThanOrEqual(20);
    expect((await store.ledger.summarize({ ...ALL_TIME, groupBy: [] }))[0]?.requests).toBe(20_000);
  });

  it('on the main thread, the same append stops the timers for most of its duration (the check above can fail)', async () => {
    const store = await openStore(await tempDb(), 'main-thread');
    await store.ledger.spentMicros(ALL_TIME);

    const run = await appendWhileTicking(store, records(20_000, 'big'));

    expect(run.added).toBe(20_000);
    expect(run.longestGapMs, JSON.stringify(run)).toBeGreaterThan(run.appendMs / 2);
  });

  it('rejects a record the schema refuses with SQLite’s message, and stores none of its batch', async () => {
    const store = await openStore(await tempDb(), 'worker-thread');
    const batch = records(3, 'bad');
    batch[2] = { ...(batch[2] as UsageRecord), usageSource: 'guessed' as UsageRecord['usageSource'] };

    await expect(store.ledger.append(batch)).rejects.toThrow(/CHECK constraint failed/);
    expect(await store.ledger.list({ ...ALL_TIME, limit: 10 })).toEqual([]);
    expect(await store.ledger.append(records(2, 'good'))).toBe(2);
  });

  it('finishes the appends sent before close(), then ends the worker and refuses more', async () => {
    const url = await tempDb();
    const store = createLibsqlMetadataStore({ url, ledgerWrites: 'worker-thread' });
    await store.migrate();
    const inFlight = [0, 1, 2].map((n) => store.ledger.append(records(2_000, `flight${n}`)));

    await store.close();

    expect(await Promise.all(inFlight)).toEqual([2_000, 2_000, 2_000]);
    await expect(store.ledger.append(records(1, 'late'))).rejects.toThrow(/closed/i);
    const reopened = await openStore(url, 'main-thread');
    expect((await reopened.ledger.summarize({ ...ALL_TIME, groupBy: [] }))[0]?.requests).toBe(6_000);
  });
});

describe('createWorkerSqlDriver', () => {
  const open = (url: string, busyTimeoutMs = 5_000): SqlDriver => {
    const driver = createWorkerSqlDriver({ url, busyTimeoutMs });
    closers.push(() => driver.close());
    return driver;
  };
  const openMain = (url: string): SqlDriver => {
    const driver = createLibsqlSqlDriver(createClient({ url }), { ownsClient: true });
    closers.push(() => driver.close());
    return driver;
  };
  const setup = async (url: string) => {
    const main = openMain(url);
    await main.execute({
      sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER CHECK (n >= 0))',
      args: [],
    });
    await main.execute({ sql: 'INSERT INTO t (id, n) VALUES (1, 1)', args: [] });
    return main;
  };
  const rejection = async (work: Promise<unknown>): Promise<Error & Record<string, unknown>> => {
    try {
      await work;
    } catch (error) {
      return error as Error & Record<string, unknown>;
    }
    throw new Error('expected a rejection');
  };

  it('fails a constraint with the same message and codes as the main-thread driver', async () => {
    const url = await tempDb();
    const main = await setup(url);
    const worker = open(url);
    const duplicate = { sql: 'INSERT INTO t (id, n) VALUES (1, 2)', args: [] };

    const expected = await rejection(main.execute(duplicate));
    const actual = await rejection(worker.execute(duplicate));

    expect(actual.message).toMatch(/UNIQUE constraint failed/);
    expect(actual.message).toBe(expected.message);
    expect({ name: actual.name, code: actual.code, rawCode: actual.rawCode }).toEqual({
      name: expected.name,
      code: expected.code,
      rawCode: expected.rawCode,
    });
  });

  it('runs a batch as one transaction: a failing statement undoes the ones before it', async () => {
    const url = await tempDb();
    const main = await setup(url);
    const worker = open(url);

    const error = await rejection(
      worker.batch([
        { sql: 'INSERT INTO t (id, n) VALUES (?, ?)', args: [2, 2] },
        { sql: 'INSERT INTO t (id, n) VALUES (?, ?)', args: [3, -1] },
      ]),
    );

    expect(error.message).toMatch(/CHECK constraint failed/);
    expect((await main.execute({ sql: 'SELECT id FROM t ORDER BY id', args: [] })).rows).toEqual([{ id: 1 }]);
    const [inserted, selected] = await worker.batch([
      { sql: 'INSERT INTO t (id, n) VALUES (?, ?)', args: [2, 2] },
      { sql: 'SELECT COUNT(*) AS n FROM t', args: [] },
    ]);
    expect(inserted?.rowsAffected).toBe(1);
    expect(selected?.rows).toEqual([{ n: 2 }]);
  });

  it('waits for a locked database up to its busy timeout, then fails with "database is locked"', async () => {
    const url = await tempDb();
    await setup(url);
    const holder = createClient({ url });
    closers.push(() => holder.close());
    const impatient = open(url, 50);
    const patient = open(url, 5_000);
    // Both connect and prepare before the lock is taken, so only the insert waits.
    await impatient.execute({ sql: 'SELECT 1', args: [] });
    await patient.execute({ sql: 'SELECT 1', args: [] });

    const lock = await holder.transaction('write');
    await lock.execute('INSERT INTO t (id, n) VALUES (10, 10)');
    const error = await rejection(
      impatient.execute({ sql: 'INSERT INTO t (id, n) VALUES (11, 11)', args: [] }),
    );
    expect(error.message).toMatch(/database is locked/);
    expect(error.code).toBe('SQLITE_BUSY');

    const waiting = patient.execute({ sql: 'INSERT INTO t (id, n) VALUES (12, 12)', args: [] });
    setTimeout(() => void lock.commit(), 200);
    expect((await waiting).rowsAffected).toBe(1);
  });

  it('fails the statement with the reason when its worker cannot open the database, and tries again on the next', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ragline-worker-sql-'));
    dirs.push(dir);
    const driver = open(`file:${join(dir, 'not-yet', 'meta.db')}`);

    await expect(driver.execute({ sql: 'SELECT 1 AS one', args: [] })).rejects.toThrow(/unable to open/i);

    await mkdir(join(dir, 'not-yet'));
    expect((await driver.execute({ sql: 'SELECT 1 AS one', args: [] })).rows).toEqual([{ one: 1 }]);
  });

  it('closes without ever starting a worker when no statement was sent', async () => {
    const driver = createWorkerSqlDriver({ url: await tempDb(), busyTimeoutMs: 5_000 });
    await driver.close();
    await expect(driver.execute({ sql: 'SELECT 1', args: [] })).rejects.toThrow(/closed/i);
  });
});

describe('the worker thread and the process', () => {
  /** Appends in a child process and ends it by returning from the script, closing the store or not. */
  const script = `
    const { createLibsqlMetadataStore } = await import(process.env.STORE_MODULE);
    const store = createLibsqlMetadataStore({ url: process.env.DB_URL });
    await store.migrate();
    const row = (i) => ({ tenantId: 't', id: 'r' + i, requestId: 'r' + i, keyId: null, kind: 'chat', route: null,
      routeVersion: null, target: null, targetKind: null, model: 'm', promptVersion: null, releaseId: null,
      inputTokens: 1, cachedInputTokens: 0, outputTokens: 1, reasoningTokens: 0, usageSource: 'upstream',
      estimateMethod: null, gpuBusyUs: null, stream: false, outcome: 'ok', startedAtMs: 1000 + i, durationMs: 1,
      costMicros: 5, priceVersion: null, costBasis: 'unpriced' });
    const appended = store.ledger.append(Array.from({ length: 3000 }, (_, i) => row(i)));
    if (process.env.CLOSE === '1') {
      const closed = store.close();
      console.log(JSON.stringify({ added: await appended }));
      await closed;
    } else {
      console.log(JSON.stringify({ added: await appended }));
    }
  `;

  const runChild = async (args: string[], env: Record<string, string>) => {
    const dir = await mkdtemp(join(tmpdir(), 'ragline-worker-sql-'));
    dirs.push(dir);
    const file = join(dir, 'append.mjs');
    await writeFile(file, script);
    const child = spawn(process.execPath, [...args, file], {
      cwd: repoRoot,
      env: { ...process.env, ...env, DB_URL: `file:${join(dir, 'child.db')}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = await new Promise<number | null | 'hung'>((done) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done('hung');
      }, 20_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        done(code);
      });
    });
    return { exited, output };
  };

  const builds = [
    {
      name: 'TypeScript sources under tsx',
      args: ['--import', 'tsx'],
      module: join(repoRoot, 'packages/server/src/adapters/metadata-store/libsql-metadata-store.ts'),
    },
    {
      name: 'compiled dist',
      args: [],
      module: join(repoRoot, 'packages/server/dist/adapters/metadata-store/libsql-metadata-store.js'),
    },
  ];

  for (const build of builds) {
    for (const close of [true, false]) {
      it(`from the ${build.name}, the process exits by itself after an append${close ? ' and a close() sent while it runs' : ', the store left open'}`, {
        timeout: 30_000,
      }, async () => {
        expect(existsSync(build.module), 'run `npm run build` first').toBe(true);
        const run = await runChild(build.args, { STORE_MODULE: build.module, CLOSE: close ? '1' : '0' });
        expect(run.exited, run.output).toBe(0);
        expect(run.output).toContain('{"added":3000}');
      });
    }
  }
});
