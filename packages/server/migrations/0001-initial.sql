-- Control plane: tenants, API keys, collections and documents.
-- SQLite dialect shared by libSQL (file and remote) and Cloudflare D1: no PRAGMA, no BEGIN/COMMIT
-- (the runner wraps each migration in one transaction/batch).

CREATE TABLE schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
);

CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  created_at TEXT NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name TEXT,
  -- hex SHA-256 of the secret; the secret itself is never stored
  hash TEXT NOT NULL UNIQUE,
  admin INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
  created_at TEXT NOT NULL,
  revoked_at TEXT
);

CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);

CREATE TABLE collections (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  embedder TEXT,
  embedding_model TEXT,
  dimensions INTEGER,
  description TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (tenant_id, name),
  -- target of documents' composite foreign key: a document can only point at its own tenant's collection
  UNIQUE (tenant_id, id)
);

CREATE TABLE documents (
  tenant_id TEXT NOT NULL,
  collection_id TEXT NOT NULL,
  id TEXT NOT NULL,
  source TEXT,
  content_type TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  chunk_count INTEGER NOT NULL,
  characters INTEGER NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, collection_id, id),
  FOREIGN KEY (tenant_id, collection_id) REFERENCES collections (tenant_id, id) ON DELETE CASCADE
);

-- source lookups (sync deletes) and source-filtered listing paged by id
CREATE INDEX documents_source ON documents (tenant_id, collection_id, source, id);
