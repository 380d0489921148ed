-- Evaluation (issue #6): eval runs (recorded from the CLI or run by the server) and each tenant's gating policy.

-- One eval run. Recorded runs arrive completed; server-side runs go queued -> running -> completed | failed.
-- The suite hash, target id and content hash of a server-side run are known once it completes (its target
-- resolves then). `run` is the whole EvalRun document of a completed run.
CREATE TABLE eval_runs (
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  id TEXT NOT NULL,
  -- 'recorded' (POST with a run document) or 'server' (POST with a suite, run here)
  source TEXT NOT NULL CHECK (source IN ('recorded', 'server')),
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
  progress_done INTEGER NOT NULL DEFAULT 0 CHECK (progress_done >= 0),
  progress_total INTEGER NOT NULL DEFAULT 0 CHECK (progress_total >= 0),
  suite_name TEXT NOT NULL,
  suite_hash TEXT,
  target_kind TEXT NOT NULL CHECK (target_kind IN ('release', 'prompt-model', 'collection', 'endpoint')),
  target_id TEXT,
  -- a release run's content hash is the release id (what promotion looks up)
  target_content_hash TEXT,
  -- 0/1 once completed
  passed INTEGER CHECK (passed IS NULL OR passed IN (0, 1)),
  incomplete INTEGER CHECK (incomplete IS NULL OR incomplete IN (0, 1)),
  -- JSON array of one-line reasons the run did not pass (failing gates, missing cases)
  failing TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(failing) AND json_type(failing) = 'array'),
  run TEXT CHECK (run IS NULL OR (json_valid(run) AND json_type(run) = 'object')),
  error TEXT,
  created_at TEXT NOT NULL,
  -- id of the API key that recorded or started it
  created_by TEXT,
  updated_at TEXT NOT NULL,
  completed_at TEXT,
  -- orders a tenant's completed runs (1, 2, ...): "the latest completed run" is the highest
  completed_seq INTEGER,
  PRIMARY KEY (tenant_id, id)
);

CREATE INDEX eval_runs_created ON eval_runs (tenant_id, created_at, id);
CREATE INDEX eval_runs_content_hash ON eval_runs (tenant_id, target_content_hash, completed_seq);
CREATE UNIQUE INDEX eval_runs_completed_seq ON eval_runs (tenant_id, completed_seq);

-- Which labels need a passing eval run to move, per tenant: {gatedLabels: {release, prompt, model}}.
-- No row: the default (release `production` only).
CREATE TABLE eval_policies (
  tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
  policy TEXT NOT NULL CHECK (json_valid(policy) AND json_type(policy) = 'object'),
  updated_at TEXT NOT NULL,
  updated_by TEXT
);
