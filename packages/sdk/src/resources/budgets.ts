import {
  type Budget,
  type BudgetAlertList,
  type BudgetList,
  budgetAlertListSchema,
  budgetListSchema,
  budgetSchema,
  type CreateBudgetRequest,
  type ListBudgetAlertsParams,
  type UpdateBudgetRequest,
} from '../contracts/budgets.js';
import type { Requester, RequestOptions } from '../core/request.js';

export interface Budgets {
  /** Admin keys only. A budget for the caller's tenant, or (`keyId`) for one of its keys. */
  create(input: CreateBudgetRequest, options?: RequestOptions): Promise<Budget>;
  /** The tenant's budgets with their current-period spent, reserved and remaining. */
  list(options?: RequestOptions): Promise<BudgetList>;
  get(id: string, options?: RequestOptions): Promise<Budget>;
  /** Admin keys only: a new name, limit or mode. */
  update(id: string, input: UpdateBudgetRequest, options?: RequestOptions): Promise<Budget>;
  /** Admin keys only. */
  delete(id: string, options?: RequestOptions): Promise<void>;
  /** Soft budgets crossed and hard budgets that refused calls, newest first. */
  alerts(params?: ListBudgetAlertsParams, options?: RequestOptions): Promise<BudgetAlertList>;
}

const budgetPath = (id: string) => `/v1/budgets/${encodeURIComponent(id)}`;

export function createBudgets(request: Requester): Budgets {
  return {
    create: (input, options) =>
      request({ method: 'POST', path: '/v1/budgets', json: input, schema: budgetSchema }, options),
    list: (options) => request({ method: 'GET', path: '/v1/budgets', schema: budgetListSchema }, options),
    get: (id, options) => request({ method: 'GET', path: budgetPath(id), schema: budgetSchema }, options),
    update: (id, input, options) =>
      request({ method: 'PATCH', path: budgetPath(id), json: input, schema: budgetSchema }, options),
    delete: (id, options) => request({ method: 'DELETE', path: budgetPath(id) }, options),
    alerts: (params = {}, options) =>
      request(
        {
          method: 'GET',
          path: '/v1/budgets/alerts',
          query: { since: params.since, budget: params.budgetId, limit: params.limit },
          schema: budgetAlertListSchema,
        },
        options,
      ),
  };
}
