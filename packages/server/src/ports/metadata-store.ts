import type { BudgetRepository, LedgerRepository, PriceRepository } from './cost-repositories.js';
import type { EvalPolicyRepository, EvalRunRepository } from './eval-repositories.js';
import type {
  LabelRepository,
  ModelRepository,
  PromptRepository,
  ReleaseRepository,
} from './registry-repositories.js';

/**
 * The control plane's storage, as narrow repositories. No SQL leaks out of an adapter.
 * Every method that reads or writes tenant data takes the tenant id: a repository never
 * returns another tenant's rows.
 */
export interface MetadataStore {
  readonly tenants: TenantRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly collections: CollectionRepository;
  readonly documents: DocumentRepository;
  readonly routes: RouteRepository;
  /** Usage records and their costs (ports/cost-repositories.ts). */
  readonly ledger: LedgerRepository;
  /** The global, versioned price book. */
  readonly prices: PriceRepository;
  readonly budgets: BudgetRepository;
  /** Immutable prompt versions (ports/registry-repositories.ts). */
  readonly prompts: PromptRepository;
  /** Labels of prompts, models and releases, with the history of every move. */
  readonly labels: LabelRepository;
  /** Immutable model versions and the eval runs linked to them. */
  readonly models: ModelRepository;
  /** Content-addressed, immutable releases. */
  readonly releases: ReleaseRepository;
  /** Eval runs, recorded or run by the server (ports/eval-repositories.ts). */
  readonly evalRuns: EvalRunRepository;
  /** Each tenant's promotion gating policy. */
  readonly evalPolicies: EvalPolicyRepository;
  /** Applies pending numbered migrations. Idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface TenantRow {
  id: string;
  createdAt: string;
}

export interface TenantRepository {
  /** Creates the tenant when it does not exist; returns it either way. */
  ensure(id: string): Promise<TenantRow>;
  get(id: string): Promise<TenantRow | null>;
}

export interface ApiKeyRow {
  id: string;
  tenantId: string;
  name: string | null;
  /** Hex SHA-256 of the secret; the secret itself is never stored. */
  hash: string;
  admin: boolean;
  /**
   * The models (route and embedder names) the key may use, as glob patterns where `*` matches any
   * run of characters; null: every model. An empty list allows none.
   */
  allowedModels: string[] | null;
  /** Requests per minute (services/budgets/rate-limiter); null: no limit. */
  rpmLimit: number | null;
  /** Tokens per minute; null: no limit. */
  tpmLimit: number | null;
  createdAt: string;
  revokedAt: string | null;
}

export interface ApiKeyRepository {
  /** Rejects when the hash or id already exists, or the tenant does not. `allowedModels` and the limits default to null. */
  insert(
    row: Omit<ApiKeyRow, 'revokedAt' | 'allowedModels' | 'rpmLimit' | 'tpmLimit'> &
      Partial<Pick<ApiKeyRow, 'allowedModels' | 'rpmLimit' | 'tpmLimit'>>,
  ): Promise<void>;
  /** Not tenant-scoped (it is how a request finds its tenant); revoked keys come back with revokedAt. */
  findByHash(hash: string): Promise<ApiKeyRow | null>;
  /** Oldest first. */
  listForTenant(tenantId: string): Promise<ApiKeyRow[]>;
  /** False when the tenant has no key with this id; revoking twice keeps the first revokedAt. */
  revoke(tenantId: string, id: string, at: string): Promise<boolean>;
  /** Sets the given limits (null removes one); null when the tenant has no key with this id. */
  updateLimits(
    tenantId: string,
    id: string,
    limits: Partial<Pick<ApiKeyRow, 'rpmLimit' | 'tpmLimit'>>,
  ): Promise<ApiKeyRow | null>;
}

export interface CollectionRow {
  /** Internal id, also the VectorStore key. */
  id: string;
  tenantId: string;
  name: string;
  embedder: string | null;
  embeddingModel: string | null;
  dimensions: number | null;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CollectionRepository {
  /** Inserts; returns false when (tenantId, name) already exists. */
  insert(row: CollectionRow): Promise<boolean>;
  getByName(tenantId: string, name: string): Promise<CollectionRow | null>;
  /** Ordered by name. */
  list(tenantId: string): Promise<CollectionRow[]>;
  /** Deletes the collection and its documents' rows. */
  delete(tenantId: string, id: string): Promise<boolean>;
  touch(tenantId: string, id: string, at: string): Promise<void>;
  /** Zeros for a collection the tenant does not have. */
  stats(tenantId: string, id: string): Promise<{ documentCount: number; chunkCount: number }>;
}

export interface DocumentRow {
  tenantId: string;
  collectionId: string;
  id: string;
  source: string | null;
  contentType: string;
  contentHash: string;
  chunkCount: number;
  characters: number;
  metadata: Record<string, string | number | boolean>;
  createdAt: string;
  updatedAt: string;
}

export interface DocumentRepository {
  getMany(tenantId: string, collectionId: string, ids: string[]): Promise<Map<string, DocumentRow>>;
  get(tenantId: string, collectionId: string, id: string): Promise<DocumentRow | null>;
  /**
   * Inserts or replaces rows in one transaction; a replaced row keeps its stored createdAt. Rejects,
   * writing nothing, when a row's collection is not one of its tenant's collections.
   */
  upsertMany(rows: DocumentRow[]): Promise<void>;
  /** Deletes in one transaction; returns how many existed. */
  deleteMany(tenantId: string, collectionId: string, ids: string[]): Promise<number>;
  /** Ids of the source's documents that are not in `keep`, ordered by id. */
  idsOfSourceExcept(
    tenantId: string,
    collectionId: string,
    source: string,
    keep: string[],
  ): Promise<string[]>;
  /** Ordered by id; `after` is the last id of the previous page. */
  list(
    tenantId: string,
    collectionId: string,
    options: { limit: number; after?: string; source?: string },
  ): Promise<DocumentRow[]>;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * The reserved tenant id under which the gateway config file's routes are versioned (ADR 0006). It is
 * not a valid tenant name (those start with a letter or digit), so no API key can belong to it.
 */
export const CONFIG_ROUTE_SCOPE = '_config';

/**
 * One version of a gateway route. API-managed routes are stored per tenant; the config file's routes
 * are synced at startup under CONFIG_ROUTE_SCOPE. Both are versioned the same way.
 */
export interface RouteVersionRow {
  tenantId: string;
  /** The logical model name. */
  name: string;
  /** 1 for a route's first version, then +1 for each change; never reused, never rewritten. */
  version: number;
  /** The route definition (a RouteConfig as JSON); null for a tombstone: the route was deleted. */
  definition: { [key: string]: JsonValue } | null;
  createdAt: string;
  /** Id of the API key that made the change; null for config-file routes. */
  createdBy: string | null;
}

export interface RouteRepository {
  /**
   * Appends the route's next version atomically and returns it: 1 for a name the tenant never used,
   * otherwise one above the highest (tombstones included, so a re-created route continues its
   * history). `definition: null` appends a tombstone. Rejects when the tenant does not exist.
   */
  append(row: Omit<RouteVersionRow, 'version'>): Promise<RouteVersionRow>;
  /**
   * Compare-and-append for writers that decide from what they read: appends version
   * `expectedVersion + 1` only while the route's highest version is still `expectedVersion` (0: the
   * route never existed), atomically. Returns null, writing nothing, when another writer got there
   * first. Rejects when the tenant does not exist.
   */
  appendIfCurrent(
    row: Omit<RouteVersionRow, 'version'>,
    expectedVersion: number,
  ): Promise<RouteVersionRow | null>;
  /** The highest version (a tombstone included), or null when the route never existed. */
  current(tenantId: string, name: string): Promise<RouteVersionRow | null>;
  getVersion(tenantId: string, name: string, version: number): Promise<RouteVersionRow | null>;
  /** The current version of each route that is not deleted, ordered by name. */
  listCurrent(tenantId: string): Promise<RouteVersionRow[]>;
  /** Every version of one route, oldest first, tombstones included. */
  history(tenantId: string, name: string): Promise<RouteVersionRow[]>;
}
