import { createBudgetRequestSchema, updateBudgetRequestSchema } from '@ragline/sdk/contracts';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../core/api-error.js';
import { requireAdmin } from '../middleware/auth/index.js';
import {
  budgetAlertView,
  createBudget,
  deleteBudget,
  getBudget,
  listBudgets,
  updateBudget,
} from '../services/budgets/budget-admin.js';
import { instantSchema } from '../services/pricing/price-book-input.js';
import { parseBody, readJson } from './validate.js';

/**
 * Budgets of the caller's tenant: `GET /budgets[/{id}]` with the current period's spent, reserved and
 * remaining, `GET /budgets/alerts`, and (admin keys only) `POST /budgets`, `PATCH` and `DELETE
 * /budgets/{id}`.
 *
 * Decision: any key of the tenant may read its budgets (an application can check what it has left),
 * but only an admin key may create, change or delete one: otherwise an ordinary key could lift the
 * hard budget that is meant to stop it. Budgets always belong to the caller's tenant; a per-key
 * budget names a key of that tenant.
 */
const alertsQuerySchema = z.object({
  since: instantSchema.optional(),
  budget: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const budgetRoutes = new Hono()
  .get('/budgets/alerts', async (c) => {
    const deps = c.get('deps');
    const query = parseBody(alertsQuerySchema, {
      since: c.req.query('since'),
      budget: c.req.query('budget'),
      limit: c.req.query('limit'),
    });
    const rows = await deps.metadata.budgets.listAlerts(c.get('principal').tenantId, {
      limit: query.limit,
      ...(query.since !== undefined && { sinceMs: Date.parse(query.since) }),
      ...(query.budget !== undefined && { budgetId: query.budget }),
    });
    return c.json({ data: rows.map(budgetAlertView) });
  })
  .get('/budgets', async (c) => {
    return c.json({ data: await listBudgets(budgetDeps(c), c.get('principal').tenantId) });
  })
  .post('/budgets', requireAdmin, async (c) => {
    const input = parseBody(createBudgetRequestSchema, await readJson(c.req));
    return c.json(await createBudget(budgetDeps(c), c.get('principal').tenantId, input), 201);
  })
  .get('/budgets/:id', async (c) => {
    return c.json(await getBudget(budgetDeps(c), c.get('principal').tenantId, c.req.param('id')));
  })
  .patch('/budgets/:id', requireAdmin, async (c) => {
    const input = parseBody(updateBudgetRequestSchema, await readJson(c.req));
    return c.json(await updateBudget(budgetDeps(c), c.get('principal').tenantId, c.req.param('id'), input));
  })
  .delete('/budgets/:id', requireAdmin, async (c) => {
    await deleteBudget(budgetDeps(c), c.get('principal').tenantId, c.req.param('id'));
    return c.body(null, 204);
  });

function budgetDeps(c: Context) {
  const deps = c.get('deps');
  if (!deps.costs) {
    throw new ApiError(
      'SERVICE_UNAVAILABLE',
      'budgets need the cost services (deps.costs: prices, ledger, budget guard), which this server was started without',
    );
  }
  return { ...deps, guard: deps.costs.budgets };
}
