import {
  USAGE_DIMENSIONS,
  type UsageDimension,
  type UsageRecordList,
  type UsageSummary,
} from '@ragline/sdk/contracts';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { ApiError } from '../core/api-error.js';
import { usageCsv, usageGroupView, usageRecordView, usageTotals } from '../services/ledger/usage-views.js';
import { DEFAULT_USAGE_WINDOW_MS, parseUsageInstant } from '../services/ledger/usage-window.js';

const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

/**
 * `GET /usage` (totals by dimension, JSON or CSV) and `GET /usage/records` (the raw ledger, paged).
 *
 * Who sees what: a key reads its own tenant's usage, never another's. An admin key sees every key of its
 * tenant (and may narrow to one with `key`), and, being the operator that mints keys for any tenant, may
 * read another tenant's with `tenant`. Any other key sees only its own calls: `key` defaults to it, and
 * naming another key is a 403.
 *
 * Calls this instance metered but has not written yet are flushed first, so a caller sees its own last
 * calls; other instances' records appear once their writers flush (within their flush interval).
 */
export const usageRoutes = new Hono()
  .get('/usage', async (c) => {
    const deps = c.get('deps');
    const scope = await usageScope(c);
    const window = usageWindow(c);
    const groupBy = parseGroupBy(c.req.queries('group_by'));
    const priceVersion = await parsePriceVersion(c);
    const csv = wantsCsv(c);
    await flushPending(c);
    const groups = await deps.metadata.ledger.summarize({
      tenantId: scope.tenantId,
      fromMs: window.fromMs,
      toMs: window.toMs,
      groupBy,
      ...(scope.keyId !== undefined && { keyId: scope.keyId }),
      ...(priceVersion !== null && { priceVersion }),
    });
    const views = groups.map((group) => usageGroupView(group, groupBy));
    if (csv) {
      return c.body(usageCsv(views, groupBy), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="usage-${window.from.slice(0, 10)}-${window.to.slice(0, 10)}.csv"`,
      });
    }
    const body: UsageSummary = {
      from: window.from,
      to: window.to,
      groupBy,
      tenant: scope.tenantId,
      key: scope.keyId ?? null,
      priceVersion,
      groups: views,
      totals: usageTotals(groups),
    };
    return c.json(body);
  })
  .get('/usage/records', async (c) => {
    const deps = c.get('deps');
    const scope = await usageScope(c);
    const window = usageWindow(c);
    const limit = parseLimit(c.req.query('limit'));
    const after = c.req.query('after');
    await flushPending(c);
    const rows = await deps.metadata.ledger.list({
      tenantId: scope.tenantId,
      fromMs: window.fromMs,
      toMs: window.toMs,
      limit: limit + 1,
      ...(scope.keyId !== undefined && { keyId: scope.keyId }),
      ...(after !== undefined && { after: decodeCursor(after) }),
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const body: UsageRecordList = {
      from: window.from,
      to: window.to,
      data: page.map(usageRecordView),
      nextCursor: rows.length > limit && last ? encodeCursor(last.startedAtMs, last.id) : null,
    };
    return c.json(body);
  });

function invalid(field: string, message: string): ApiError {
  return new ApiError('INVALID_REQUEST', `${field}: ${message}`, {
    details: { issues: [{ field, message }] },
  });
}

async function usageScope(c: Context): Promise<{ tenantId: string; keyId?: string }> {
  const principal = c.get('principal');
  const tenant = c.req.query('tenant');
  const key = c.req.query('key');
  if (tenant !== undefined && tenant === '') throw invalid('tenant', 'must not be empty');
  if (key !== undefined && key === '') throw invalid('key', 'must not be empty');
  let tenantId = principal.tenantId;
  if (tenant !== undefined && tenant !== principal.tenantId) {
    if (!principal.admin)
      throw new ApiError('FORBIDDEN', "tenant: only admin keys read another tenant's usage");
    if (!(await c.get('deps').metadata.tenants.get(tenant))) {
      throw new ApiError('NOT_FOUND', `tenant "${tenant}" not found`);
    }
    tenantId = tenant;
  }
  if (principal.admin) return key === undefined ? { tenantId } : { tenantId, keyId: key };
  if (key !== undefined && key !== principal.keyId) {
    throw new ApiError('FORBIDDEN', 'key: a non-admin key sees its own usage only');
  }
  return { tenantId, keyId: principal.keyId };
}

function usageWindow(c: Context): { fromMs: number; toMs: number; from: string; to: string } {
  const nowMs = c.get('deps').clock.now().getTime();
  const read = (field: 'from' | 'to', fallback: number): number => {
    const text = c.req.query(field);
    if (text === undefined) return fallback;
    const result = parseUsageInstant(text, nowMs, { endOfDay: field === 'to' });
    if (!result.ok) throw invalid(field, result.message);
    return result.ms;
  };
  const toMs = read('to', nowMs);
  const fromMs = read('from', toMs - DEFAULT_USAGE_WINDOW_MS);
  if (fromMs >= toMs) throw invalid('to', 'must be after from');
  return { fromMs, toMs, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
}

function parseGroupBy(values: string[] | undefined): UsageDimension[] {
  const dimensions: UsageDimension[] = [];
  for (const part of (values ?? []).flatMap((value) => value.split(','))) {
    const name = part.trim();
    if (name === '') continue;
    if (!(USAGE_DIMENSIONS as readonly string[]).includes(name)) {
      throw invalid('group_by', `unknown dimension "${name}"; use ${USAGE_DIMENSIONS.join(', ')}`);
    }
    if (!dimensions.includes(name as UsageDimension)) dimensions.push(name as UsageDimension);
  }
  return dimensions;
}

async function parsePriceVersion(c: Context): Promise<number | null> {
  const text = c.req.query('price_version');
  if (text === undefined) return null;
  const version = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(version) || version < 1) {
    throw invalid('price_version', 'must be a price version number (1, 2, ...)');
  }
  if (!(await c.get('deps').metadata.prices.get(version))) {
    throw invalid('price_version', `there is no price version ${version}`);
  }
  return version;
}

function wantsCsv(c: Context): boolean {
  const format = c.req.query('format');
  if (format === 'csv') return true;
  if (format === 'json') return false;
  if (format !== undefined) throw invalid('format', 'must be json or csv');
  return /\btext\/csv\b/i.test(c.req.header('accept') ?? '');
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PAGE;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > MAX_PAGE) {
    throw invalid('limit', `must be an integer from 1 to ${MAX_PAGE}`);
  }
  return limit;
}

/** Writes what this instance has queued; a failing store is the writer's to log and retry. */
async function flushPending(c: Context): Promise<void> {
  await c
    .get('deps')
    .costs?.ledger.flush()
    .catch(() => {});
}

function encodeCursor(startedAtMs: number, id: string): string {
  const bytes = new TextEncoder().encode(JSON.stringify([startedAtMs, id]));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function decodeCursor(cursor: string): { startedAtMs: number; id: string } {
  try {
    const binary = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'));
    const json = new TextDecoder('utf-8', { fatal: true }).decode(
      Uint8Array.from(binary, (ch) => ch.charCodeAt(0)),
    );
    const value: unknown = JSON.parse(json);
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === 'string'
    ) {
      return { startedAtMs: value[0] as number, id: value[1] };
    }
  } catch {
    // reported below
  }
  throw invalid('after', 'not a cursor returned by this API (nextCursor)');
}
