import { createReleaseRequestSchema, setReleaseLabelRequestSchema } from '@ragline/sdk/contracts';
import { Hono } from 'hono';
import { ApiError } from '../core/api-error.js';
import { createRelease } from '../services/releases/create-release.js';
import { releaseLabelView, releaseView } from '../services/releases/release-views.js';
import { releaseWithLabels, resolveRelease } from '../services/releases/resolve-release.js';
import { setReleaseLabel } from '../services/releases/set-release-label.js';
import { parseBody, readJson } from './validate.js';

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
const MAX_HISTORY = 1000;

/**
 * Releases: `POST /releases` (201 new, 200 when the same pins exist), `GET /releases`,
 * `GET /releases/{id or label}`, and release labels: `GET /releases/labels`,
 * `PUT /releases/labels/{label}` (the deploy and the rollback), `GET /releases/labels/{label}/history`.
 */
export const releaseRoutes = new Hono()
  .post('/releases', async (c) => {
    const input = parseBody(createReleaseRequestSchema, await readJson(c.req));
    const { release, created } = await createRelease(c.get('deps'), c.get('principal'), input);
    return c.json({ ...releaseView(release), created }, created ? 201 : 200);
  })
  .get('/releases', async (c) => {
    const deps = c.get('deps');
    const { tenantId } = c.get('principal');
    const limit = pageSize(c.req.query('limit'), DEFAULT_PAGE, MAX_PAGE);
    const before = c.req.query('before');
    const rows = await deps.metadata.releases.list(tenantId, { limit, ...(before ? { before } : {}) });
    const data = await Promise.all(rows.map(async (row) => releaseView(await releaseWithLabels(deps, row))));
    return c.json({ data, nextBefore: rows.length === limit ? (rows.at(-1)?.id ?? null) : null });
  })
  .get('/releases/labels', async (c) => {
    const labels = await c.get('deps').metadata.labels.list(c.get('principal').tenantId, 'release', '');
    return c.json({
      data: labels.map((l) => ({
        label: l.label,
        release: l.target,
        updatedAt: l.updatedAt,
        updatedBy: l.updatedBy,
      })),
    });
  })
  .put('/releases/labels/:label', async (c) => {
    const body = parseBody(setReleaseLabelRequestSchema, await readJson(c.req));
    const result = await setReleaseLabel(
      c.get('deps'),
      c.get('principal'),
      c.req.param('label'),
      body.release,
      body.override,
    );
    return c.json(releaseLabelView(result));
  })
  .get('/releases/labels/:label/history', async (c) => {
    const deps = c.get('deps');
    const label = c.req.param('label');
    const limit = pageSize(c.req.query('limit'), MAX_HISTORY, MAX_HISTORY);
    const moves = await deps.metadata.labels.history(c.get('principal').tenantId, 'release', '', {
      label,
      limit,
    });
    if (moves.length === 0) throw new ApiError('NOT_FOUND', `release label "${label}" has never been set`);
    return c.json({
      data: moves.map((m) => ({
        label: m.label,
        fromRelease: m.from,
        toRelease: m.to,
        at: m.at,
        by: m.by,
        decision: m.decision,
      })),
    });
  })
  .get('/releases/:release', async (c) => {
    const release = await resolveRelease(c.get('deps'), c.get('principal').tenantId, c.req.param('release'));
    return c.json(releaseView(release));
  });

function pageSize(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ApiError('INVALID_REQUEST', `limit: must be an integer from 1 to ${max}`);
  }
  return value;
}
