-- Per-key model permissions: the route and embedder names (glob patterns, `*` matches anything) an
-- API key may use, as a JSON array of strings. NULL means every model, which is what keys created
-- before this migration keep.

ALTER TABLE api_keys ADD COLUMN allowed_models TEXT
  CHECK (allowed_models IS NULL OR (json_valid(allowed_models) AND json_type(allowed_models) = 'array'));
