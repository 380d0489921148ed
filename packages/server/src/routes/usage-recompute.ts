import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../core/api-error.js';
import { requireAdmin } from '../middleware/auth/index.js';
import { microsToDollars } from '../services/pricing/money.js';
import { instantSchema } from '../services/pricing/price-book-input.js';
import { PriceVersionNotFoundError, recomputeCosts } from '../services/pricing/recompute.js';
import { parseBody, readJson } from './validate.js';

const recomputeRequestSchema = z
  .strictObject({
    /** Inclusive. */
    from: instantSchema,
    /** Exclusive. */
    to: instantSchema,
    priceVersion: z.int().min(1),
    /** Default: the caller's tenant. */
    tenant: z.string().min(1).max(63).optional(),
  })
  .refine((body) => Date.parse(body.from) < Date.parse(body.to), {
    path: ['to'],
    message: 'must be after from',
  });

/**
 * `POST /usage/recompute` (admin keys): the costs of a tenant's usage records in [from, to) under
 * another price version, stored beside the originals; `GET /v1/usage?price_version=` reports them.
 */
export const usageRecomputeRoutes = new Hono().post('/usage/recompute', requireAdmin, async (c) => {
  const deps = c.get('deps');
  const body = parseBody(recomputeRequestSchema, await readJson(c.req));
  const tenantId = body.tenant ?? c.get('principal').tenantId;
  if (body.tenant !== undefined && !(await deps.metadata.tenants.get(tenantId))) {
    throw new ApiError('NOT_FOUND', `tenant "${tenantId}" not found`);
  }
  // Records this instance metered but has not written yet belong to the period too.
  await deps.costs?.ledger.flush();
  try {
    const result = await recomputeCosts(
      { ledger: deps.metadata.ledger, prices: deps.metadata.prices, clock: deps.clock },
      { tenantId, fromMs: Date.parse(body.from), toMs: Date.parse(body.to), priceVersion: body.priceVersion },
    );
    deps.logger.info('usage costs recomputed', {
      tenant: tenantId,
      priceVersion: body.priceVersion,
      ...result,
    });
    return c.json({
      tenant: tenantId,
      from: body.from,
      to: body.to,
      priceVersion: body.priceVersion,
      ...result,
      costBefore: microsToDollars(result.costMicrosBefore),
      costAfter: microsToDollars(result.costMicrosAfter),
    });
  } catch (error) {
    if (!(error instanceof PriceVersionNotFoundError)) throw error;
    throw new ApiError('INVALID_REQUEST', `priceVersion: ${error.message}`, {
      details: { issues: [{ field: 'priceVersion', message: error.message }] },
    });
  }
});
