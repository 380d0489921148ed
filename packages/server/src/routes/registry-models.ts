import {
  createModelVersionRequestSchema,
  linkModelEvalRunRequestSchema,
  modelNameSchema,
  setModelAliasRequestSchema,
} from '@ragline/sdk/contracts';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { ApiError } from '../core/api-error.js';
import { createModelVersion } from '../services/models/create-model-version.js';
import { modelSummaryView, modelVersionView, modelVersionViews } from '../services/models/model-views.js';
import { modelNotFound, resolveModelVersion } from '../services/models/resolve-model-version.js';
import { setModelAlias } from '../services/models/set-model-alias.js';
import { parseBody, readJson } from './validate.js';

const MAX_HISTORY = 1000;

/**
 * The model registry, under `/registry/models` because `GET /models` is OpenAI's model list (the routes a
 * key may call) and stays exactly that. Versions are immutable; aliases (`champion`, `challenger`,
 * custom) move through the promotion policy like every label. Names with `/` are sent percent-encoded.
 */
export const registryModelRoutes = new Hono()
  .get('/registry/models', async (c) => {
    const deps = c.get('deps');
    const { tenantId } = c.get('principal');
    const [names, aliases] = await Promise.all([
      deps.metadata.models.listNames(tenantId),
      deps.metadata.labels.list(tenantId, 'model'),
    ]);
    return c.json({
      data: names.map((row) =>
        modelSummaryView(
          row,
          aliases.filter((a) => a.name === row.name),
        ),
      ),
    });
  })
  .post('/registry/models/:name/versions', async (c) => {
    const deps = c.get('deps');
    const principal = c.get('principal');
    const name = modelName(c);
    const input = parseBody(createModelVersionRequestSchema, await readJson(c.req));
    const row = await createModelVersion(deps, principal, name, input);
    return c.json(await modelVersionView(deps, principal.tenantId, row), 201);
  })
  .get('/registry/models/:name/versions', async (c) => {
    const deps = c.get('deps');
    const { tenantId } = c.get('principal');
    const name = modelName(c);
    const rows = await deps.metadata.models.versions(tenantId, name);
    if (rows.length === 0) throw modelNotFound(name);
    return c.json({ data: await modelVersionViews(deps, tenantId, rows) });
  })
  .post('/registry/models/:name/versions/:version/eval-runs', async (c) => {
    const deps = c.get('deps');
    const principal = c.get('principal');
    const name = modelName(c);
    const version = versionNumber(c.req.param('version'), 'version');
    const { evalRun } = parseBody(linkModelEvalRunRequestSchema, await readJson(c.req));
    const row = await resolveModelVersion(deps, principal.tenantId, name, { version });
    const linked = await deps.metadata.models.linkEvalRun({
      tenantId: principal.tenantId,
      name,
      version,
      evalRunId: evalRun,
      linkedAt: deps.clock.now().toISOString(),
      linkedBy: principal.keyId,
    });
    return c.json(await modelVersionView(deps, principal.tenantId, row), linked ? 201 : 200);
  })
  .put('/registry/models/:name/aliases/:alias', async (c) => {
    const deps = c.get('deps');
    const principal = c.get('principal');
    const name = modelName(c);
    const { version, override } = parseBody(setModelAliasRequestSchema, await readJson(c.req));
    const result = await setModelAlias(deps, principal, name, c.req.param('alias'), version, override);
    return c.json({
      name,
      alias: result.label.label,
      version: Number(result.label.target),
      previousVersion: result.previous === null ? null : Number(result.previous),
      moved: result.moved,
      decision: result.decision,
      updatedAt: result.label.updatedAt,
      updatedBy: result.label.updatedBy,
    });
  })
  .get('/registry/models/:name/aliases/history', async (c) => {
    const deps = c.get('deps');
    const { tenantId } = c.get('principal');
    const name = modelName(c);
    const alias = c.req.query('alias');
    const moves = await deps.metadata.labels.history(tenantId, 'model', name, {
      ...(alias ? { label: alias } : {}),
      limit: MAX_HISTORY,
    });
    if (moves.length === 0 && !(await deps.metadata.models.latest(tenantId, name))) throw modelNotFound(name);
    return c.json({
      data: moves.map((m) => ({
        alias: m.label,
        fromVersion: m.from === null ? null : Number(m.from),
        toVersion: Number(m.to),
        at: m.at,
        by: m.by,
        decision: m.decision,
      })),
    });
  })
  .get('/registry/models/:name', async (c) => {
    const deps = c.get('deps');
    const { tenantId } = c.get('principal');
    const name = modelName(c);
    const versionParam = c.req.query('version');
    const alias = c.req.query('alias');
    if (versionParam !== undefined && alias !== undefined) {
      throw new ApiError('INVALID_REQUEST', 'alias: give version or alias, not both');
    }
    const row = await resolveModelVersion(deps, tenantId, name, {
      ...(versionParam !== undefined && { version: versionNumber(versionParam, 'version') }),
      ...(alias !== undefined && { alias }),
    });
    return c.json(await modelVersionView(deps, tenantId, row));
  });

function modelName(c: Context): string {
  return parseBody(modelNameSchema, c.req.param('name'), 'name');
}

function versionNumber(raw: string, field: string): number {
  const value = Number(raw);
  if (!/^[1-9][0-9]*$/.test(raw) || !Number.isSafeInteger(value)) {
    throw new ApiError('INVALID_REQUEST', `${field}: must be a positive integer, got "${raw}"`);
  }
  return value;
}
