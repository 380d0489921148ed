import { type Client, createClient } from '@libsql/client';
import type { Migration } from '../../core/migrations.js';
import type { Clock } from '../../ports/clock.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { createLibsqlSqlDriver } from './libsql-sql-driver.js';
import { createSqlMetadataStore } from './sql-metadata-store.js';

/** Default wait for a locked `file:` database before SQLITE_BUSY. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

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
  return createSqlMetadataStore({
    driver: createLibsqlSqlDriver(client, { ownsClient: owns }),
    clock: config.clock,
    migrations: config.migrations,
  });
}
