import {
  type CreatePriceVersionRequest,
  type CurrentPrices,
  currentPricesSchema,
  type PriceVersion,
  type PriceVersionList,
  priceVersionListSchema,
  priceVersionSchema,
} from '../contracts/prices.js';
import type { Requester, RequestOptions } from '../core/request.js';

export interface Prices {
  /** The price-book version in force now, or at `at` (an ISO timestamp). */
  get(params?: { at?: string }, options?: RequestOptions): Promise<CurrentPrices>;
  /** Every version, oldest first. */
  versions(options?: RequestOptions): Promise<PriceVersionList>;
  /** One version by number. */
  version(version: number, options?: RequestOptions): Promise<PriceVersion>;
  /** Admin keys only: stores the next version of the whole book. */
  create(input: CreatePriceVersionRequest, options?: RequestOptions): Promise<PriceVersion>;
}

export function createPrices(request: Requester): Prices {
  return {
    get: (params = {}, options) =>
      request(
        { method: 'GET', path: '/v1/prices', query: { at: params.at }, schema: currentPricesSchema },
        options,
      ),
    versions: (options) =>
      request({ method: 'GET', path: '/v1/prices/versions', schema: priceVersionListSchema }, options),
    version: (version, options) =>
      request(
        {
          method: 'GET',
          path: `/v1/prices/versions/${encodeURIComponent(String(version))}`,
          schema: priceVersionSchema,
        },
        options,
      ),
    create: (input, options) =>
      request({ method: 'POST', path: '/v1/prices', json: input, schema: priceVersionSchema }, options),
  };
}
