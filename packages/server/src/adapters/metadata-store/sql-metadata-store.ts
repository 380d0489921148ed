import { applyMigrations, type Migration } from '../../core/migrations.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type {
  ApiKeyRepository,
  ApiKeyRow,
  CollectionRepository,
  CollectionRow,
  DocumentRepository,
  DocumentRow,
  MetadataStore,
  RouteRepository,
  RouteVersionRow,
  TenantRepository,
  TenantRow,
} from '../../ports/metadata-store.js';
import { migrations as embeddedMigrations } from './migrations.generated.js';
import { createSqlBudgetRepository } from './sql-budget-repository.js';
import type { SqlDriver, SqlStatement, SqlValue } from './sql-driver.js';
import { createSqlEvalPolicyRepository } from './sql-eval-policy-repository.js';
import { createSqlEvalRunRepository } from './sql-eval-run-repository.js';
import { createSqlLabelRepository } from './sql-label-repository.js';
import { createSqlLedgerRepository } from './sql-ledger-repository.js';
import { createSqlModelRepository } from './sql-model-repository.js';
import { createSqlPriceRepository } from './sql-price-repository.js';
import { createSqlPromptRepository } from './sql-prompt-repository.js';
import { createSqlReleaseRepository } from './sql-release-repository.js';
import { integer, nullableInteger, nullableText, text } from './sql-row.js';

export interface SqlMetadataStoreOptions {
  driver: SqlDriver;
  /**
   * Runs the ledger's statements instead of `driver` (a worker thread's connection to the same database,
   * see worker-sql-driver.ts); closed with the store, before `driver`. Migrations always use `driver`.
   */
  ledgerDriver?: SqlDriver;
  /** Defaults to the embedded `migrations/*.sql`. */
  migrations?: readonly Migration[];
  /** Stamps rows the port gives no time for (a tenant's createdAt, applied migrations). */
  clock?: Clock;
}

/**
 * Cloudflare D1 allows at most 100 bound parameters per statement; id lists are sent in slices that
 * leave room for the tenant and collection ids.
 */
const MAX_IDS_PER_STATEMENT = 90;

/** The MetadataStore over any SQLite-dialect driver; every tenant-data query has `tenant_id = ?`. */
export function createSqlMetadataStore(options: SqlMetadataStoreOptions): MetadataStore {
  const { driver } = options;
  const clock = options.clock ?? systemClock;
  const migrations = options.migrations ?? embeddedMigrations;

  const tenants: TenantRepository = {
    async ensure(id) {
      const [, selected] = await driver.batch([
        {
          sql: 'INSERT INTO tenants (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING',
          args: [id, clock.now().toISOString()],
        },
        { sql: 'SELECT id, created_at FROM tenants WHERE id = ?', args: [id] },
      ]);
      const row = selected?.rows[0];
      if (!row) throw new Error(`tenant ${id} was not found after insert`);
      return tenantFromRow(row);
    },
    async get(id) {
      const result = await driver.execute({
        sql: 'SELECT id, created_at FROM tenants WHERE id = ?',
        args: [id],
      });
      const row = result.rows[0];
      return row ? tenantFromRow(row) : null;
    },
  };

  const apiKeys: ApiKeyRepository = {
    async insert(row) {
      await driver.execute({
        sql: `INSERT INTO api_keys (id, tenant_id, name, hash, admin, allowed_models, rpm_limit, tpm_limit, created_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        args: [
          row.id,
          row.tenantId,
          row.name ?? null,
          row.hash,
          row.admin ? 1 : 0,
          row.allowedModels ? JSON.stringify(row.allowedModels) : null,
          row.rpmLimit ?? null,
          row.tpmLimit ?? null,
          row.createdAt,
        ],
      });
    },
    async findByHash(hash) {
      const result = await driver.execute({
        sql: `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE hash = ?`,
        args: [hash],
      });
      const row = result.rows[0];
      return row ? apiKeyFromRow(row) : null;
    },
    async listForTenant(tenantId) {
      const result = await driver.execute({
        sql: `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id`,
        args: [tenantId],
      });
      return result.rows.map(apiKeyFromRow);
    },
    async revoke(tenantId, id, at) {
      const result = await driver.execute({
        sql: 'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE tenant_id = ? AND id = ?',
        args: [at, tenantId, id],
      });
      return result.rowsAffected > 0;
    },
    async updateLimits(tenantId, id, limits) {
      const sets: string[] = [];
      const args: SqlValue[] = [];
      if (limits.rpmLimit !== undefined) {
        sets.push('rpm_limit = ?');
        args.push(limits.rpmLimit);
      }
      if (limits.tpmLimit !== undefined) {
        sets.push('tpm_limit = ?');
        args.push(limits.tpmLimit);
      }
      const select = {
        sql: `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE tenant_id = ? AND id = ?`,
        args: [tenantId, id],
      };
      const results =
        sets.length === 0
          ? [await driver.execute(select)]
          : await driver.batch([
              {
                sql: `UPDATE api_keys SET ${sets.join(', ')} WHERE tenant_id = ? AND id = ?`,
                args: [...args, tenantId, id],
              },
              select,
            ]);
      const row = results.at(-1)?.rows[0];
      return row ? apiKeyFromRow(row) : null;
    },
  };

  const collections: CollectionRepository = {
    async insert(row) {
      const result = await driver.execute({
        sql: `INSERT INTO collections (${COLLECTION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
              ON CONFLICT (tenant_id, name) DO NOTHING`,
        args: [
          row.id,
          row.tenantId,
          row.name,
          row.embedder ?? null,
          row.embeddingModel ?? null,
          row.dimensions ?? null,
          row.description ?? null,
          row.createdAt,
          row.updatedAt,
        ],
      });
      return result.rowsAffected > 0;
    },
    async getByName(tenantId, name) {
      const result = await driver.execute({
        sql: `SELECT ${COLLECTION_COLUMNS} FROM collections WHERE tenant_id = ? AND name = ?`,
        args: [tenantId, name],
      });
      const row = result.rows[0];
      return row ? collectionFromRow(row) : null;
    },
    async list(tenantId) {
      const result = await driver.execute({
        sql: `SELECT ${COLLECTION_COLUMNS} FROM collections WHERE tenant_id = ? ORDER BY name`,
        args: [tenantId],
      });
      return result.rows.map(collectionFromRow);
    },
    async delete(tenantId, id) {
      // Documents are deleted explicitly so the cascade never depends on foreign-key enforcement
      // being on for the connection (it is per connection in SQLite).
      const [, deleted] = await driver.batch([
        { sql: 'DELETE FROM documents WHERE tenant_id = ? AND collection_id = ?', args: [tenantId, id] },
        { sql: 'DELETE FROM collections WHERE tenant_id = ? AND id = ?', args: [tenantId, id] },
      ]);
      return (deleted?.rowsAffected ?? 0) > 0;
    },
    async touch(tenantId, id, at) {
      await driver.execute({
        sql: 'UPDATE collections SET updated_at = ? WHERE tenant_id = ? AND id = ?',
        args: [at, tenantId, id],
      });
    },
    async stats(tenantId, id) {
      const result = await driver.execute({
        sql: `SELECT COUNT(*) AS document_count, COALESCE(SUM(chunk_count), 0) AS chunk_count
              FROM documents WHERE tenant_id = ? AND collection_id = ?`,
        args: [tenantId, id],
      });
      const row = result.rows[0];
      if (!row) return { documentCount: 0, chunkCount: 0 };
      return { documentCount: integer(row, 'document_count'), chunkCount: integer(row, 'chunk_count') };
    },
  };

  const documents: DocumentRepository = {
    async getMany(tenantId, collectionId, ids) {
      const found = new Map<string, DocumentRow>();
      const unique = [...new Set(ids)];
      if (unique.length === 0) return found;
      const results = await driver.batch(
        slices(unique).map((slice) => ({
          sql: `SELECT ${DOCUMENT_COLUMNS} FROM documents
                WHERE tenant_id = ? AND collection_id = ? AND id IN (${placeholders(slice.length)})`,
          args: [tenantId, collectionId, ...slice],
        })),
      );
      for (const result of results) {
        for (const row of result.rows) {
          const document = documentFromRow(row);
          found.set(document.id, document);
        }
      }
      return found;
    },
    async get(tenantId, collectionId, id) {
      const result = await driver.execute({
        sql: `SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE tenant_id = ? AND collection_id = ? AND id = ?`,
        args: [tenantId, collectionId, id],
      });
      const row = result.rows[0];
      return row ? documentFromRow(row) : null;
    },
    async upsertMany(rows) {
      if (rows.length === 0) return;
      await driver.batch(rows.map(upsertDocument));
    },
    async deleteMany(tenantId, collectionId, ids) {
      const unique = [...new Set(ids)];
      if (unique.length === 0) return 0;
      const results = await driver.batch(
        slices(unique).map((slice) => ({
          sql: `DELETE FROM documents WHERE tenant_id = ? AND collection_id = ? AND id IN (${placeholders(slice.length)})`,
          args: [tenantId, collectionId, ...slice],
        })),
      );
      return results.reduce((sum, result) => sum + result.rowsAffected, 0);
    },
    async idsOfSourceExcept(tenantId, collectionId, source, keep) {
      // `keep` can be a whole folder's worth of ids: filter here rather than in a NOT IN list.
      const result = await driver.execute({
        sql: 'SELECT id FROM documents WHERE tenant_id = ? AND collection_id = ? AND source = ? ORDER BY id',
        args: [tenantId, collectionId, source],
      });
      const kept = new Set(keep);
      return result.rows.map((row) => text(row, 'id')).filter((id) => !kept.has(id));
    },
    async list(tenantId, collectionId, { limit, after, source }) {
      if (!Number.isSafeInteger(limit) || limit < 1) {
        throw new RangeError(`documents.list: limit must be a positive integer, got ${limit}`);
      }
      const where = ['tenant_id = ?', 'collection_id = ?'];
      const args: SqlValue[] = [tenantId, collectionId];
      if (source !== undefined) {
        where.push('source = ?');
        args.push(source);
      }
      if (after !== undefined) {
        where.push('id > ?');
        args.push(after);
      }
      args.push(limit);
      const result = await driver.execute({
        sql: `SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`,
        args,
      });
      return result.rows.map(documentFromRow);
    },
  };

  const routes: RouteRepository = {
    async append(row) {
      // The version is computed inside the INSERT, so two concurrent writers cannot take the same one
      // (and the primary key would reject it if they did); the SELECT in the same batch reads it back.
      const [inserted, selected] = await driver.batch([
        {
          sql: `INSERT INTO route_versions (${ROUTE_COLUMNS})
                SELECT ?, ?, (SELECT COALESCE(MAX(version), 0) + 1 FROM route_versions
                              WHERE tenant_id = ? AND name = ?), ?, ?, ?
                WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ?)`,
          args: [
            row.tenantId,
            row.name,
            row.tenantId,
            row.name,
            row.definition === null ? null : JSON.stringify(row.definition),
            row.createdAt,
            row.createdBy ?? null,
            row.tenantId,
          ],
        },
        {
          sql: `SELECT ${ROUTE_COLUMNS} FROM route_versions WHERE tenant_id = ? AND name = ?
                ORDER BY version DESC LIMIT 1`,
          args: [row.tenantId, row.name],
        },
      ]);
      if ((inserted?.rowsAffected ?? 0) === 0)
        throw new Error(`routes.append: unknown tenant ${row.tenantId}`);
      const written = selected?.rows[0];
      if (!written) throw new Error(`route ${row.name} was not found after insert`);
      return routeVersionFromRow(written);
    },
    async appendIfCurrent(row, expectedVersion) {
      if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
        throw new RangeError(`routes.appendIfCurrent: expectedVersion must be >= 0, got ${expectedVersion}`);
      }
      const version = expectedVersion + 1;
      // One write transaction: the MAX check and the insert cannot interleave with another writer's,
      // and the primary key turns any leftover duplicate into "nothing written".
      const [inserted, tenant, selected] = await driver.batch([
        {
          sql: `INSERT INTO route_versions (${ROUTE_COLUMNS})
                SELECT ?, ?, ?, ?, ?, ?
                WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ?)
                  AND (SELECT COALESCE(MAX(version), 0) FROM route_versions
                       WHERE tenant_id = ? AND name = ?) = ?
                ON CONFLICT DO NOTHING`,
          args: [
            row.tenantId,
            row.name,
            version,
            row.definition === null ? null : JSON.stringify(row.definition),
            row.createdAt,
            row.createdBy ?? null,
            row.tenantId,
            row.tenantId,
            row.name,
            expectedVersion,
          ],
        },
        { sql: 'SELECT 1 AS found FROM tenants WHERE id = ?', args: [row.tenantId] },
        {
          sql: `SELECT ${ROUTE_COLUMNS} FROM route_versions WHERE tenant_id = ? AND name = ? AND version = ?`,
          args: [row.tenantId, row.name, version],
        },
      ]);
      if ((tenant?.rows.length ?? 0) === 0) {
        throw new Error(`routes.appendIfCurrent: unknown tenant ${row.tenantId}`);
      }
      if ((inserted?.rowsAffected ?? 0) === 0) return null;
      const written = selected?.rows[0];
      if (!written) throw new Error(`route ${row.name} was not found after insert`);
      return routeVersionFromRow(written);
    },
    async current(tenantId, name) {
      const result = await driver.execute({
        sql: `SELECT ${ROUTE_COLUMNS} FROM route_versions WHERE tenant_id = ? AND name = ?
              ORDER BY version DESC LIMIT 1`,
        args: [tenantId, name],
      });
      const row = result.rows[0];
      return row ? routeVersionFromRow(row) : null;
    },
    async getVersion(tenantId, name, version) {
      const result = await driver.execute({
        sql: `SELECT ${ROUTE_COLUMNS} FROM route_versions WHERE tenant_id = ? AND name = ? AND version = ?`,
        args: [tenantId, name, version],
      });
      const row = result.rows[0];
      return row ? routeVersionFromRow(row) : null;
    },
    async listCurrent(tenantId) {
      const result = await driver.execute({
        sql: `SELECT ${ROUTE_COLUMNS} FROM route_versions AS v
              WHERE v.tenant_id = ? AND v.definition IS NOT NULL
                AND v.version = (SELECT MAX(version) FROM route_versions
                                 WHERE tenant_id = v.tenant_id AND name = v.name)
              ORDER BY v.name`,
        args: [tenantId],
      });
      return result.rows.map(routeVersionFromRow);
    },
    async history(tenantId, name) {
      const result = await driver.execute({
        sql: `SELECT ${ROUTE_COLUMNS} FROM route_versions WHERE tenant_id = ? AND name = ? ORDER BY version`,
        args: [tenantId, name],
      });
      return result.rows.map(routeVersionFromRow);
    },
  };

  return {
    tenants,
    apiKeys,
    collections,
    documents,
    routes,
    ledger: createSqlLedgerRepository(options.ledgerDriver ?? driver),
    prices: createSqlPriceRepository(driver),
    budgets: createSqlBudgetRepository(driver),
    prompts: createSqlPromptRepository(driver),
    labels: createSqlLabelRepository(driver),
    models: createSqlModelRepository(driver),
    releases: createSqlReleaseRepository(driver),
    evalRuns: createSqlEvalRunRepository(driver),
    evalPolicies: createSqlEvalPolicyRepository(driver),
    async migrate() {
      await applyMigrations(driver, migrations, { now: () => clock.now().toISOString() });
    },
    async close() {
      // The ledger's pending appends finish first (they may still need the database the main driver closes).
      try {
        await options.ledgerDriver?.close();
      } finally {
        await driver.close();
      }
    },
  };
}

const API_KEY_COLUMNS =
  'id, tenant_id, name, hash, admin, allowed_models, rpm_limit, tpm_limit, created_at, revoked_at';
const COLLECTION_COLUMNS =
  'id, tenant_id, name, embedder, embedding_model, dimensions, description, created_at, updated_at';
const DOCUMENT_COLUMNS =
  'tenant_id, collection_id, id, source, content_type, content_hash, chunk_count, characters, metadata, created_at, updated_at';
const ROUTE_COLUMNS = 'tenant_id, name, version, definition, created_at, created_by';

function upsertDocument(row: DocumentRow): SqlStatement {
  return {
    sql: `INSERT INTO documents (${DOCUMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (tenant_id, collection_id, id) DO UPDATE SET
            source = excluded.source,
            content_type = excluded.content_type,
            content_hash = excluded.content_hash,
            chunk_count = excluded.chunk_count,
            characters = excluded.characters,
            metadata = excluded.metadata,
            updated_at = excluded.updated_at`,
    args: [
      row.tenantId,
      row.collectionId,
      row.id,
      row.source ?? null,
      row.contentType,
      row.contentHash,
      row.chunkCount,
      row.characters,
      JSON.stringify(row.metadata ?? {}),
      row.createdAt,
      row.updatedAt,
    ],
  };
}

function slices<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_IDS_PER_STATEMENT)
    out.push(items.slice(i, i + MAX_IDS_PER_STATEMENT));
  return out;
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

type Row = Record<string, unknown>;

function tenantFromRow(row: Row): TenantRow {
  return { id: text(row, 'id'), createdAt: text(row, 'created_at') };
}

function apiKeyFromRow(row: Row): ApiKeyRow {
  return {
    id: text(row, 'id'),
    tenantId: text(row, 'tenant_id'),
    name: nullableText(row, 'name'),
    hash: text(row, 'hash'),
    admin: integer(row, 'admin') === 1,
    allowedModels: stringArrayFromJson(nullableText(row, 'allowed_models'), 'api_keys.allowed_models'),
    rpmLimit: nullableInteger(row, 'rpm_limit'),
    tpmLimit: nullableInteger(row, 'tpm_limit'),
    createdAt: text(row, 'created_at'),
    revokedAt: nullableText(row, 'revoked_at'),
  };
}

function collectionFromRow(row: Row): CollectionRow {
  return {
    id: text(row, 'id'),
    tenantId: text(row, 'tenant_id'),
    name: text(row, 'name'),
    embedder: nullableText(row, 'embedder'),
    embeddingModel: nullableText(row, 'embedding_model'),
    dimensions: row.dimensions === null ? null : integer(row, 'dimensions'),
    description: nullableText(row, 'description'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
  };
}

function documentFromRow(row: Row): DocumentRow {
  return {
    tenantId: text(row, 'tenant_id'),
    collectionId: text(row, 'collection_id'),
    id: text(row, 'id'),
    source: nullableText(row, 'source'),
    contentType: text(row, 'content_type'),
    contentHash: text(row, 'content_hash'),
    chunkCount: integer(row, 'chunk_count'),
    characters: integer(row, 'characters'),
    metadata: metadataFromJson(text(row, 'metadata')),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
  };
}

function routeVersionFromRow(row: Row): RouteVersionRow {
  const definition = nullableText(row, 'definition');
  return {
    tenantId: text(row, 'tenant_id'),
    name: text(row, 'name'),
    version: integer(row, 'version'),
    definition: definition === null ? null : objectFromJson(definition, 'route_versions.definition'),
    createdAt: text(row, 'created_at'),
    createdBy: nullableText(row, 'created_by'),
  };
}

function objectFromJson(json: string, column: string): NonNullable<RouteVersionRow['definition']> {
  const value: unknown = JSON.parse(json);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${column} is not a JSON object: ${json.slice(0, 80)}`);
  }
  return value as NonNullable<RouteVersionRow['definition']>;
}

function stringArrayFromJson(json: string | null, column: string): string[] | null {
  if (json === null) return null;
  const value: unknown = JSON.parse(json);
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new TypeError(`${column} is not a JSON array of strings: ${json.slice(0, 80)}`);
  }
  return value;
}

function metadataFromJson(json: string): DocumentRow['metadata'] {
  const value: unknown = JSON.parse(json);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`documents.metadata is not a JSON object: ${json.slice(0, 80)}`);
  }
  return value as DocumentRow['metadata'];
}
