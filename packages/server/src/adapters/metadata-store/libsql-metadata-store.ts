import { type Client, createClient } from '@libsql/client';
import type { Migration } from '../../core/migrations.js';
import type { Clock } from '../../ports/clock.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { createLibsqlSqlDriver } from './libsql-sql-driver.js';
import { createSqlMetadataStore } from './sql-metadata-store.js';
import { createWorkerSqlDriver } from './worker-sql-driver.js';

/** Default wait for a locked `file:` database before SQLITE_BUSY. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export type LedgerWrites = 'worker-thread' | 'main-thread';

interface CommonOptions {
  clock?: Clock;
  /** Defaults to the embedded `migrations/*.sql`. */
  migrations?: readonly Migration[];
}

export type LibsqlMetadataStoreConfig =
  | (CommonOptions & {
      /** `file:path.db`, `:memory:`, `libsql://...`, `https://...` */
      url: string;
      authToken?: string;
      /** Busy timeout for `file:` databases (ms); remote servers ignore it. */
      busyTimeoutMs?: number;
      /**
       * Where ledger appends run for a local `file:` database on Node: `worker-thread` (the default)
       * sends them to a worker thread with its own connection, so a batch does not hold the event loop;
       * `main-thread` keeps them on the main connection. Other URLs always use the main connection.
       */
      ledgerWrites?: LedgerWrites;
    })
  | (CommonOptions & {
      /**
       * A ready client (e.g. a Worker's from `@libsql/client/web`). The caller owns it: `close()`
       * leaves it open, and the caller sets its busy timeout.
       */
      client: Client;
    });

/**
 * The control plane on libSQL. `@libsql/client` resolves to its web build under the `workerd`,
 * `browser` and `edge-light` conditions and to the native one in Node.
 */
export function createLibsqlMetadataStore(config: LibsqlMetadataStoreConfig): MetadataStore {
  const owns = !('client' in config);
  const client =
    'client' in config
      ? config.client
      : createClient({
          url: config.url,
          authToken: config.authToken,
          timeout: config.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
        });
  const ledgerDriver =
    'url' in config && config.ledgerWrites !== 'main-thread' && isLocalFile(config.url) && onNode()
      ? createWorkerSqlDriver({
          url: config.url,
          busyTimeoutMs: config.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
        })
      : undefined;
  return createSqlMetadataStore({
    driver: createLibsqlSqlDriver(client, { ownsClient: owns }),
    ...(ledgerDriver ? { ledgerDriver } : {}),
    clock: config.clock,
    migrations: config.migrations,
  });
}

/** A database on this machine's disk: a second connection from a worker thread sees the same data. */
function isLocalFile(url: string): boolean {
  return url.startsWith('file:') && !url.includes(':memory:') && !/[?&]mode=memory\b/.test(url);
}

function onNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}
