-- Gateway routes managed through the API: per tenant, versioned, append-only.
-- Routes from the config file (RAGLINE_CONFIG) are global and read-only and are not stored here.
-- Every change appends a version; a delete appends a tombstone (definition IS NULL). The current
-- version of a route is its highest version, so there is no second table to keep in step.

CREATE TABLE route_versions (
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  -- the RouteConfig as JSON; NULL marks a tombstone (the route was deleted in this version)
  definition TEXT CHECK (definition IS NULL OR json_valid(definition)),
  created_at TEXT NOT NULL,
  -- id of the API key that made the change
  created_by TEXT,
  PRIMARY KEY (tenant_id, name, version)
);

-- Versions are pinned by releases: once written, a version never changes.
CREATE TRIGGER route_versions_immutable BEFORE UPDATE ON route_versions
BEGIN
  SELECT RAISE(ABORT, 'route versions are immutable');
END;
