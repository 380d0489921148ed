-- Cost ledger, price book, budgets and per-key rate limits (issue: token-cost ledger).
-- Money is integer micro-dollars everywhere (*_micros); prices are micro-dollars per million tokens
-- or per GPU-hour. Usage records are append-only and idempotent by (tenant_id, id).

-- One row per metered call. `id` is the request id, suffixed `:n` when one request makes several
-- metered calls; inserting a record twice keeps the first (INSERT OR IGNORE).
CREATE TABLE usage_records (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  request_id TEXT NOT NULL,
  key_id TEXT,
  -- chat | completion | embedding | ingest-embedding | judge
  kind TEXT NOT NULL,
  route TEXT,
  route_version INTEGER,
  target TEXT,
  target_kind TEXT,
  model TEXT NOT NULL,
  prompt_version TEXT,
  release_id TEXT,
  input_tokens INTEGER NOT NULL CHECK (input_tokens >= 0),
  cached_input_tokens INTEGER NOT NULL DEFAULT 0 CHECK (cached_input_tokens >= 0),
  output_tokens INTEGER NOT NULL CHECK (output_tokens >= 0),
  reasoning_tokens INTEGER NOT NULL DEFAULT 0 CHECK (reasoning_tokens >= 0),
  -- upstream: the target reported the counts; estimated: counted by Ragline (estimate_method says how)
  usage_source TEXT NOT NULL CHECK (usage_source IN ('upstream', 'estimated')),
  estimate_method TEXT,
  -- GPU-hour priced targets: the call's attributed share of the replica's busy time, in microseconds
  gpu_busy_us INTEGER CHECK (gpu_busy_us IS NULL OR gpu_busy_us >= 0),
  stream INTEGER NOT NULL DEFAULT 0 CHECK (stream IN (0, 1)),
  -- ok | error | client-aborted
  outcome TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
  cost_micros INTEGER NOT NULL CHECK (cost_micros >= 0),
  -- the price-book version the cost was computed with; NULL when no price matched (cost_basis unpriced)
  price_version INTEGER,
  -- tokens | gpu-time | unpriced
  cost_basis TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

-- Append-only: a record never changes once written (recomputed costs go to usage_costs).
CREATE TRIGGER usage_records_no_update BEFORE UPDATE ON usage_records
BEGIN
  SELECT RAISE(ABORT, 'usage records are append-only');
END;

CREATE TRIGGER usage_records_no_delete BEFORE DELETE ON usage_records
BEGIN
  SELECT RAISE(ABORT, 'usage records are append-only');
END;

CREATE INDEX usage_records_time ON usage_records (tenant_id, started_at_ms);
CREATE INDEX usage_records_key_time ON usage_records (tenant_id, key_id, started_at_ms);

-- Costs recomputed under another price version; the original stays on the record.
CREATE TABLE usage_costs (
  tenant_id TEXT NOT NULL,
  record_id TEXT NOT NULL,
  price_version INTEGER NOT NULL,
  cost_micros INTEGER NOT NULL CHECK (cost_micros >= 0),
  cost_basis TEXT NOT NULL,
  computed_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, record_id, price_version)
);

-- The price book: global (prices are the operator's), versioned, never rewritten.
CREATE TABLE price_versions (
  version INTEGER PRIMARY KEY CHECK (version >= 1),
  effective_from TEXT NOT NULL,
  -- JSON array of price entries
  entries TEXT NOT NULL CHECK (json_valid(entries) AND json_type(entries) = 'array'),
  -- config | api
  source TEXT NOT NULL,
  note TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT
);

CREATE TRIGGER price_versions_immutable BEFORE UPDATE ON price_versions
BEGIN
  SELECT RAISE(ABORT, 'price versions are immutable');
END;

-- Recorded costs name the version that priced them: a version is never removed.
CREATE TRIGGER price_versions_kept BEFORE DELETE ON price_versions
BEGIN
  SELECT RAISE(ABORT, 'price versions are never deleted');
END;

-- Budgets per tenant (key_id NULL) or per API key, by UTC day or month.
CREATE TABLE budgets (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  key_id TEXT,
  period TEXT NOT NULL CHECK (period IN ('day', 'month')),
  limit_micros INTEGER NOT NULL CHECK (limit_micros >= 0),
  mode TEXT NOT NULL CHECK (mode IN ('hard', 'soft')),
  name TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT
);

CREATE INDEX budgets_tenant ON budgets (tenant_id, key_id);

-- Soft budgets crossed (and hard budgets that refused calls), once per budget and period.
CREATE TABLE budget_alerts (
  tenant_id TEXT NOT NULL,
  budget_id TEXT NOT NULL,
  period_start TEXT NOT NULL,
  -- crossed | refused
  kind TEXT NOT NULL,
  spent_micros INTEGER NOT NULL,
  limit_micros INTEGER NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, budget_id, period_start, kind)
);

-- Requests and tokens per minute per key; NULL means no limit.
ALTER TABLE api_keys ADD COLUMN rpm_limit INTEGER CHECK (rpm_limit IS NULL OR rpm_limit >= 1);
ALTER TABLE api_keys ADD COLUMN tpm_limit INTEGER CHECK (tpm_limit IS NULL OR tpm_limit >= 1);
