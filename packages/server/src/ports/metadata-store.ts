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
  createdAt: string;
  revokedAt: string | null;
}

export interface ApiKeyRepository {
  insert(row: Omit<ApiKeyRow, 'revokedAt'>): Promise<void>;
  findByHash(hash: string): Promise<ApiKeyRow | null>;
  listForTenant(tenantId: string): Promise<ApiKeyRow[]>;
  revoke(tenantId: string, id: string, at: string): Promise<boolean>;
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
  list(tenantId: string): Promise<CollectionRow[]>;
  /** Deletes the collection and its documents' rows. */
  delete(tenantId: string, id: string): Promise<boolean>;
  touch(tenantId: string, id: string, at: string): Promise<void>;
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
  /** Inserts or replaces rows in one transaction. */
  upsertMany(rows: DocumentRow[]): Promise<void>;
  /** Deletes in one transaction; returns how many existed. */
  deleteMany(tenantId: string, collectionId: string, ids: string[]): Promise<number>;
  /** Ids of the source's documents that are not in `keep`. */
  idsOfSourceExcept(tenantId: string, collectionId: string, source: string, keep: string[]): Promise<string[]>;
  /** Ordered by id; `after` is the last id of the previous page. */
  list(
    tenantId: string,
    collectionId: string,
    options: { limit: number; after?: string; source?: string },
  ): Promise<DocumentRow[]>;
}
