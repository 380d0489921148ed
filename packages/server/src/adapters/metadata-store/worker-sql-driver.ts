import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqlDriver, SqlResult, SqlStatement } from './sql-driver.js';

export interface WorkerSqlDriverOptions {
  /** A local `file:` URL; the worker opens its own connection to it. */
  url: string;
  /** Busy timeout of the worker's connection (ms), like the main connection's. */
  busyTimeoutMs: number;
}

/** What the worker is told; the client's path is resolved here because the worker has no module context. */
interface WorkerInput extends WorkerSqlDriverOptions {
  clientPath: string;
}

type Request = { id: number; op: 'execute' | 'batch'; statements: SqlStatement[] } | { op: 'close' };

type Reply = { id: number; results: SqlResult[] } | { id: number; error: SerializedError };

interface SerializedError {
  message: string;
  name: string;
  code?: unknown;
  extendedCode?: unknown;
  rawCode?: unknown;
}

/**
 * The worker's program, plain CommonJS run with `eval: true`: a file next to this one would be
 * `.ts` under vitest/tsx and `.js` in dist, and a TypeScript worker needs the parent's loader. It
 * opens its own @libsql/client connection (the native CJS build, by absolute path), prepares it like
 * createLibsqlSqlDriver, and runs one request at a time in arrival order, so a `close` request runs
 * after everything sent before it.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createClient } = require(workerData.clientPath);
const client = createClient({ url: workerData.url, timeout: workerData.busyTimeoutMs });
let ready;
const prepare = () => {
  ready ??= (async () => {
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA foreign_keys = ON');
  })().catch((error) => {
    ready = undefined;
    throw error;
  });
  return ready;
};
const plain = (result) => ({ rows: result.rows.map((row) => ({ ...row })), rowsAffected: result.rowsAffected });
const serialize = (error) =>
  error instanceof Error
    ? { message: error.message, name: error.name, code: error.code, extendedCode: error.extendedCode, rawCode: error.rawCode }
    : { message: String(error), name: 'Error' };
let queue = Promise.resolve();
parentPort.on('message', (request) => {
  queue = queue.then(async () => {
    if (request.op === 'close') {
      client.close();
      parentPort.close();
      return;
    }
    try {
      await prepare();
      const results =
        request.op === 'batch'
          ? await client.batch(request.statements, 'write')
          : [await client.execute(request.statements[0])];
      parentPort.postMessage({ id: request.id, results: results.map(plain) });
    } catch (error) {
      parentPort.postMessage({ id: request.id, error: serialize(error) });
    }
  });
});
`;

/**
 * A SqlDriver whose statements run on a worker thread holding its own libSQL connection to the same
 * `file:` database (WAL lets the main connection keep reading meanwhile). The native client runs a
 * statement synchronously on the thread that calls it; here that thread is the worker's, so a long
 * batch does not hold the event loop. The worker starts on the first statement, keeps the process
 * alive only while a statement is in flight, and `close()` ends it after the statements sent before.
 * SQL errors come back as rejections with the original message and code.
 */
export function createWorkerSqlDriver(options: WorkerSqlDriverOptions): SqlDriver {
  let nextId = 1;
  let current: SqlThread | undefined;
  let closed: Promise<void> | undefined;

  const start = (): SqlThread => {
    const input: WorkerInput = {
      ...options,
      clientPath: createRequire(import.meta.url).resolve('@libsql/client'),
    };
    // No execArgv: the worker runs plain CommonJS, and a loader the parent runs under (tsx, vitest)
    // would only slow its start.
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: input, execArgv: [] });
    const thread: SqlThread = { worker, pending: new Map() };
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const request = thread.pending.get(reply.id);
      if (!request) return;
      thread.pending.delete(reply.id);
      // Idle, it lets the process exit; while closing it stays referenced until it has ended.
      if (thread.pending.size === 0 && !closed) worker.unref();
      if ('error' in reply) request.reject(deserialize(reply.error));
      else request.resolve(reply.results);
    });
    // A worker that failed to start or crashed fails what it was given; the next statement starts another.
    const fail = (error: Error) => {
      if (current === thread) current = undefined;
      for (const request of thread.pending.values()) request.reject(error);
      thread.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) =>
      fail(new Error(`the SQL worker thread exited (code ${code}) before answering`)),
    );
    return thread;
  };

  const send = (op: 'execute' | 'batch', statements: SqlStatement[]): Promise<SqlResult[]> => {
    if (closed) return Promise.reject(new Error('The SQL worker driver is closed'));
    current ??= start();
    const thread = current;
    const id = nextId++;
    return new Promise<SqlResult[]>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      // Held alive while a statement is in flight, so an awaited write finishes before the process exits.
      thread.worker.ref();
      thread.worker.postMessage({ id, op, statements } satisfies Request);
    });
  };

  return {
    async execute(statement) {
      const [result] = await send('execute', [statement]);
      if (!result) throw new Error('the SQL worker returned no result');
      return result;
    },
    async batch(statements) {
      if (statements.length === 0) return [];
      return send('batch', statements);
    },
    close() {
      closed ??= (async () => {
        const thread = current;
        if (!thread) return;
        const exited = new Promise<void>((done) => thread.worker.once('exit', () => done()));
        thread.worker.ref();
        // Queued behind the statements already sent: they finish, then the connection closes and the thread ends.
        thread.worker.postMessage({ op: 'close' } satisfies Request);
        await exited;
      })();
      return closed;
    },
  };
}

interface SqlThread {
  worker: Worker;
  pending: Map<number, { resolve(results: SqlResult[]): void; reject(error: Error): void }>;
}

/** The worker's error as the caller would have seen it on the main thread: same message, name and codes. */
function deserialize(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  for (const key of ['code', 'extendedCode', 'rawCode'] as const) {
    if (serialized[key] !== undefined) Object.assign(error, { [key]: serialized[key] });
  }
  return error;
}
