-- The registry (issue #5): immutable prompt versions, movable labels and the history of every label move.
-- Versions are pinned by labels and releases, so once written they never change and are never deleted.

-- One version of a prompt. `version` is 1 for a name's first version, then +1, per (tenant, name).
CREATE TABLE prompt_versions (
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  name TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  kind TEXT NOT NULL CHECK (kind IN ('text', 'chat')),
  -- text: a JSON string (the template); chat: a JSON array of {role, content} and at most one
  -- {role: "placeholder", name: "history"}
  template TEXT NOT NULL CHECK (
    json_valid(template)
    AND ((kind = 'text' AND json_type(template) = 'text') OR (kind = 'chat' AND json_type(template) = 'array'))
  ),
  -- the variables schema: {type: "object", properties, required} (a JSON Schema subset)
  variables TEXT NOT NULL CHECK (json_valid(variables) AND json_type(variables) = 'object'),
  -- {model?: <gateway route>, parameters?: {...}}, or NULL
  model_config TEXT CHECK (model_config IS NULL OR (json_valid(model_config) AND json_type(model_config) = 'object')),
  -- the commit message
  message TEXT,
  -- hex SHA-256 of the canonical JSON of {kind, template, variables, modelConfig} (not the message)
  content_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  -- id of the API key that created it
  created_by TEXT,
  PRIMARY KEY (tenant_id, name, version)
);

CREATE TRIGGER prompt_versions_immutable BEFORE UPDATE ON prompt_versions
BEGIN
  SELECT RAISE(ABORT, 'prompt versions are immutable');
END;

CREATE TRIGGER prompt_versions_kept BEFORE DELETE ON prompt_versions
BEGIN
  SELECT RAISE(ABORT, 'prompt versions are never deleted');
END;

-- Where each label points now. `target` is a version number as text (prompts, models) or a release id.
-- Release labels are per tenant: their `name` is ''. `latest` is never stored (it is automatic).
CREATE TABLE labels (
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  subject TEXT NOT NULL CHECK (subject IN ('prompt', 'model', 'release')),
  name TEXT NOT NULL,
  label TEXT NOT NULL,
  target TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT,
  PRIMARY KEY (tenant_id, subject, name, label)
);

-- Every label move, append-only: who moved it, when, from where (NULL: the label was new) to where, and
-- the promotion policy's decision that allowed it. `id` orders the moves.
CREATE TABLE label_moves (
  id INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  subject TEXT NOT NULL CHECK (subject IN ('prompt', 'model', 'release')),
  name TEXT NOT NULL,
  label TEXT NOT NULL,
  from_target TEXT,
  to_target TEXT NOT NULL,
  moved_at TEXT NOT NULL,
  moved_by TEXT,
  -- {allowed, reason, checks: [{name, passed, detail}]}
  policy_decision TEXT NOT NULL CHECK (json_valid(policy_decision) AND json_type(policy_decision) = 'object')
);

CREATE INDEX label_moves_subject ON label_moves (tenant_id, subject, name, label, id);

CREATE TRIGGER label_moves_no_update BEFORE UPDATE ON label_moves
BEGIN
  SELECT RAISE(ABORT, 'label moves are append-only');
END;

CREATE TRIGGER label_moves_no_delete BEFORE DELETE ON label_moves
BEGIN
  SELECT RAISE(ABORT, 'label moves are append-only');
END;

-- One version of a model under a logical name: a gateway route at a pinned route version, or a target
-- or pool with its base model and an optional LoRA adapter. `version` is 1, then +1, per (tenant, name).
CREATE TABLE model_versions (
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  name TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  -- {route, routeVersion, source} or {target | pool, baseModel, adapter?}
  spec TEXT NOT NULL CHECK (json_valid(spec) AND json_type(spec) = 'object'),
  -- {fineTuneJob?, dataset?, evalRuns?}
  lineage TEXT NOT NULL CHECK (json_valid(lineage) AND json_type(lineage) = 'object'),
  message TEXT,
  created_at TEXT NOT NULL,
  -- id of the API key that created it
  created_by TEXT,
  PRIMARY KEY (tenant_id, name, version)
);

CREATE TRIGGER model_versions_immutable BEFORE UPDATE ON model_versions
BEGIN
  SELECT RAISE(ABORT, 'model versions are immutable');
END;

CREATE TRIGGER model_versions_kept BEFORE DELETE ON model_versions
BEGIN
  SELECT RAISE(ABORT, 'model versions are never deleted');
END;

-- Eval runs that scored a model version, linked after it was created (the version itself never changes).
CREATE TABLE model_eval_links (
  tenant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  eval_run_id TEXT NOT NULL,
  linked_at TEXT NOT NULL,
  linked_by TEXT,
  PRIMARY KEY (tenant_id, name, version, eval_run_id),
  FOREIGN KEY (tenant_id, name, version) REFERENCES model_versions (tenant_id, name, version)
);

CREATE TRIGGER model_eval_links_no_update BEFORE UPDATE ON model_eval_links
BEGIN
  SELECT RAISE(ABORT, 'model eval links are append-only');
END;

CREATE TRIGGER model_eval_links_no_delete BEFORE DELETE ON model_eval_links
BEGIN
  SELECT RAISE(ABORT, 'model eval links are append-only');
END;

-- Releases: content-addressed (`id` hashes the pins), immutable, never deleted. The pinned collection's
-- internal id and version are repeated from `pins` so the versions to keep through index cleanup are
-- one indexed query.
CREATE TABLE releases (
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  id TEXT NOT NULL,
  -- {prompt, model, retrieval, collection}: see ReleasePins (ports/registry-repositories.ts)
  pins TEXT NOT NULL CHECK (json_valid(pins) AND json_type(pins) = 'object'),
  collection_id TEXT NOT NULL,
  collection_version TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT,
  PRIMARY KEY (tenant_id, id)
);

CREATE INDEX releases_created ON releases (tenant_id, created_at, id);
CREATE INDEX releases_collection ON releases (tenant_id, collection_id, collection_version);

CREATE TRIGGER releases_immutable BEFORE UPDATE ON releases
BEGIN
  SELECT RAISE(ABORT, 'releases are immutable');
END;

CREATE TRIGGER releases_kept BEFORE DELETE ON releases
BEGIN
  SELECT RAISE(ABORT, 'releases are never deleted');
END;
