import {
  type UsageDimension,
  type UsageRecord,
  type UsageRecordList,
  type UsageSummary,
  usageRecordListSchema,
  usageSummarySchema,
} from '../contracts/usage.js';
import type { Requester, RequestOptions } from '../core/request.js';

/** A time: an ISO date or time, a Date, or a duration back from now (`30m`, `24h`, `7d`, `2w`). */
export type UsageTime = string | Date;

export interface UsageSummaryParams {
  /** Inclusive. Default: 7 days before `to`. */
  from?: UsageTime;
  /** Exclusive (a date alone includes that whole UTC day). Default: now. */
  to?: UsageTime;
  /** One group per distinct combination, in this order; none: the totals only. */
  groupBy?: UsageDimension[];
  /** One key of the tenant (admin keys; other keys always see their own usage only). */
  key?: string;
  /** Another tenant (admin keys only). */
  tenant?: string;
  /** Report costs recomputed under this price version (POST /v1/usage/recompute) instead of the recorded ones. */
  priceVersion?: number;
}

export interface UsageRecordsParams {
  from?: UsageTime;
  to?: UsageTime;
  key?: string;
  tenant?: string;
  /** Records per page, 1-1000 (default 100). */
  limit?: number;
  /** A page's `nextCursor`. */
  after?: string;
}

export interface Usage {
  /** `GET /v1/usage`: requests, tokens and cost by the requested dimensions, with totals. */
  summary(params?: UsageSummaryParams, options?: RequestOptions): Promise<UsageSummary>;
  /** The same report as CSV text (a header row, then one row per group). */
  csv(params?: UsageSummaryParams, options?: RequestOptions): Promise<string>;
  /** `GET /v1/usage/records`: one page of raw records, oldest first. */
  listRecords(params?: UsageRecordsParams, options?: RequestOptions): Promise<UsageRecordList>;
  /** Every record of the window, fetching pages of `limit` as it goes. */
  records(params?: Omit<UsageRecordsParams, 'after'>, options?: RequestOptions): AsyncIterable<UsageRecord>;
}

export function createUsage(request: Requester): Usage {
  const summaryQuery = (params: UsageSummaryParams) => ({
    from: time(params.from),
    to: time(params.to),
    group_by: params.groupBy?.length ? params.groupBy.join(',') : undefined,
    key: params.key,
    tenant: params.tenant,
    price_version: params.priceVersion,
  });
  const listRecords: Usage['listRecords'] = (params = {}, options) =>
    request(
      {
        method: 'GET',
        path: '/v1/usage/records',
        query: {
          from: time(params.from),
          to: time(params.to),
          key: params.key,
          tenant: params.tenant,
          limit: params.limit,
          after: params.after,
        },
        schema: usageRecordListSchema,
      },
      options,
    );

  return {
    summary: (params = {}, options) =>
      request(
        { method: 'GET', path: '/v1/usage', query: summaryQuery(params), schema: usageSummarySchema },
        options,
      ),
    csv: (params = {}, options) =>
      request<string>(
        {
          method: 'GET',
          path: '/v1/usage',
          query: { ...summaryQuery(params), format: 'csv' },
          accept: 'text/csv',
        },
        options,
      ),
    listRecords,
    async *records(params = {}, options) {
      let page = await listRecords(params, options);
      yield* page.data;
      // Later pages reuse the window the server resolved for the first, so a relative `from` or a default `to` stays put.
      const window = { ...params, from: page.from, to: page.to };
      while (page.nextCursor !== null) {
        page = await listRecords({ ...window, after: page.nextCursor }, options);
        yield* page.data;
      }
    },
  };
}

function time(value: UsageTime | undefined): string | undefined {
  return value instanceof Date ? value.toISOString() : value;
}
