import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../core/api-error.js';
import { requireAdmin } from '../middleware/auth/index.js';
import type { PriceVersionRow } from '../ports/cost-repositories.js';
import { createPriceBook } from '../services/pricing/price-book.js';
import { instantSchema, priceBookInputSchema } from '../services/pricing/price-book-input.js';
import { priceVersionView } from '../services/pricing/price-views.js';
import { parseBody, readJson } from './validate.js';

/**
 * The global price book (admin-managed, shared by every tenant): `GET /prices` is the version in
 * force now (or `?at=`), `GET /prices/versions[/{version}]` the history, `POST /prices` (admin keys)
 * stores a new version. A version is the whole book, never a patch: the new one replaces the old from
 * its `effectiveFrom` on, and the old stays stored for the records priced with it. Reads come from the
 * store, so they are current on every instance; this instance's metering catalog reloads at once.
 */

/** A lost compare-and-append means another writer stored a version meanwhile; each retry re-reads. */
const MAX_ATTEMPTS = 5;

const atQuerySchema = z.object({ at: instantSchema.optional() });

export const priceRoutes = new Hono()
  .get('/prices', async (c) => {
    const deps = c.get('deps');
    const { at } = parseBody(atQuerySchema, { at: c.req.query('at') });
    const atMs = at ? Date.parse(at) : deps.clock.now().getTime();
    const current = createPriceBook(await deps.metadata.prices.list()).versionAt(atMs);
    if (current) return c.json(priceVersionView(current));
    return c.json({
      version: null,
      effectiveFrom: null,
      source: null,
      note: null,
      createdAt: null,
      createdBy: null,
      entries: [],
    });
  })
  .get('/prices/versions', async (c) => {
    const versions = await c.get('deps').metadata.prices.list();
    return c.json({ data: versions.map(priceVersionView) });
  })
  .get('/prices/versions/:version', async (c) => {
    const raw = c.req.param('version');
    const version = /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : null;
    const row = version === null ? null : await c.get('deps').metadata.prices.get(version);
    if (!row) throw new ApiError('NOT_FOUND', `price version "${raw}" not found`);
    return c.json(priceVersionView(row));
  })
  .post('/prices', requireAdmin, async (c) => {
    const deps = c.get('deps');
    const input = parseBody(priceBookInputSchema, await readJson(c.req));
    const now = deps.clock.now().toISOString();
    let written: PriceVersionRow | null = null;
    for (let attempt = 0; attempt < MAX_ATTEMPTS && !written; attempt++) {
      const latest = (await deps.metadata.prices.list()).at(-1)?.version ?? null;
      written = await deps.metadata.prices.append(
        {
          effectiveFrom: input.effectiveFrom ?? now,
          entries: input.entries,
          source: 'api',
          note: input.note ?? null,
          createdAt: now,
          createdBy: c.get('principal').keyId,
        },
        latest,
      );
    }
    if (!written)
      throw new ApiError('CONFLICT', 'the price book kept changing while storing this version; retry');
    deps.logger.info('price version stored', {
      version: written.version,
      entries: written.entries.length,
      effectiveFrom: written.effectiveFrom,
    });
    await deps.costs?.prices.reload();
    return c.json(priceVersionView(written), 201);
  });
