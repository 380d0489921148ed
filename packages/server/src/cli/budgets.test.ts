import type { Budget } from '@ragline/sdk';
import { describe, expect, it } from 'vitest';
import { runCli } from './main.js';
import { captureIo, createFakeApi, errorResponse, type RecordedRequest } from './testing/fake-api.js';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function budget(extra: Partial<Budget> = {}): Budget {
  return {
    id: 'bud_1',
    name: null,
    scope: 'tenant',
    keyId: null,
    period: 'month',
    mode: 'hard',
    limitMicros: 25_000_000,
    spentMicros: 1_234_567,
    reservedMicros: 10_000,
    remainingMicros: 23_755_433,
    limit: '25.000000',
    spent: '1.234567',
    reserved: '0.010000',
    remaining: '23.755433',
    periodStart: '2026-11-01T00:00:00.000Z',
    periodEnd: '2026-12-01T00:00:00.000Z',
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    ...extra,
  };
}

function setup(intercept: (req: RecordedRequest) => Response | undefined) {
  const api = createFakeApi({ intercept });
  const out = captureIo({ clientOptions: { fetch: api.fetch, sleep: async () => {} } });
  return { api, out, run: (...argv: string[]) => runCli(argv, out.io) };
}

describe('ragline budgets', () => {
  it('creates a hard monthly budget by default and a soft daily one for a key', async () => {
    const { api, out, run } = setup((req) =>
      req.method === 'POST' && req.path === '/v1/budgets'
        ? json(
            201,
            budget({ ...(req.body as object), limit: '25.000000', spent: '0.000000' } as Partial<Budget>),
          )
        : undefined,
    );
    expect(await run('budgets', 'create', '--period', 'month', '--limit', '25')).toBe(0);
    expect(api.requests[0]?.body).toEqual({ period: 'month', limit: '25', mode: 'hard' });
    expect(out.stdout).toBe(
      'Created hard monthly budget bud_1 of $25.000000 for the tenant ($0.000000 spent so far this period).\n',
    );
    expect(
      await run(
        'budgets',
        'create',
        '--period',
        'day',
        '--limit',
        '$0.50',
        '--mode',
        'soft',
        '--key',
        'key_9',
        '--name',
        'ci',
      ),
    ).toBe(0);
    expect(api.requests[1]?.body).toEqual({
      period: 'day',
      limit: '$0.50',
      mode: 'soft',
      keyId: 'key_9',
      name: 'ci',
    });
  });

  it('refuses a bad period or limit before calling the server', async () => {
    const { api, out, run } = setup(() => undefined);
    expect(await run('budgets', 'create', '--period', 'week', '--limit', '5')).not.toBe(0);
    expect(await run('budgets', 'create', '--period', 'day', '--limit', 'five')).not.toBe(0);
    expect(await run('budgets', 'create', '--limit', '5')).not.toBe(0);
    expect(api.requests).toHaveLength(0);
    expect(out.stderr).toContain('must be an amount of dollars');
  });

  it('lists budgets as a table with what is spent, reserved and left', async () => {
    const { out, run } = setup((req) =>
      req.path === '/v1/budgets'
        ? json(200, {
            data: [budget(), budget({ id: 'bud_2', scope: 'key', keyId: 'key_9', mode: 'soft', name: 'ci' })],
          })
        : undefined,
    );
    expect(await run('budgets', 'list')).toBe(0);
    expect(out.stdout).toMatch(
      /│ bud_1 +│ - +│ tenant +│ month +│ hard +│ \$25\.00 +│ \$1\.234567 +│ \$0\.01 +│ \$23\.755433 +│ 2026-12-01/,
    );
    expect(out.stdout).toMatch(/│ bud_2 +│ ci +│ key key_9 +│ month +│ soft /);
  });

  it('prints alerts and passes the filters', async () => {
    const { api, out, run } = setup((req) =>
      req.path === '/v1/budgets/alerts'
        ? json(200, {
            data: [
              {
                budgetId: 'bud_1',
                kind: 'refused',
                periodStart: '2026-11-01T00:00:00.000Z',
                spentMicros: 25_000_000,
                limitMicros: 25_000_000,
                spent: '25.000000',
                limit: '25.000000',
                at: '2026-11-20T10:00:00.000Z',
              },
            ],
          })
        : undefined,
    );
    expect(await run('budgets', 'alerts', '--since', '2026-11-01', '--budget', 'bud_1', '--limit', '5')).toBe(
      0,
    );
    expect(Object.fromEntries(api.requests[0]?.query ?? [])).toEqual({
      since: '2026-11-01',
      budget: 'bud_1',
      limit: '5',
    });
    expect(out.stdout).toMatch(/│ 2026-11-20T10:00:00.000Z │ bud_1 +│ refused │/);
  });

  it('exits 1 with the server message when the key is not an admin', async () => {
    const { out, run } = setup(() => errorResponse(403, 'FORBIDDEN', 'this operation needs an admin key'));
    expect(await run('budgets', 'create', '--period', 'day', '--limit', '1')).toBe(1);
    expect(out.stderr).toContain('this operation needs an admin key');
  });
});

describe('ragline keys create --rpm --tpm', () => {
  it('sends the limits and says them', async () => {
    const { api, out, run } = setup((req) =>
      req.method === 'POST' && req.path === '/v1/keys'
        ? json(201, {
            id: 'key_1',
            tenant: 'acme',
            name: null,
            admin: false,
            allowedModels: null,
            rpmLimit: 60,
            tpmLimit: 100_000,
            key: 'rl_secret_123',
            createdAt: '2026-11-01T00:00:00.000Z',
          })
        : undefined,
    );
    expect(await run('keys', 'create', '--tenant', 'acme', '--rpm', '60', '--tpm', '100000')).toBe(0);
    expect(api.requests[0]?.body).toEqual({ tenant: 'acme', admin: false, rpmLimit: 60, tpmLimit: 100_000 });
    expect(out.stdout).toBe('rl_secret_123\n');
    expect(out.stderr).toContain('at most 60 requests and 100000 tokens per minute');
    expect(await run('keys', 'create', '--tenant', 'acme', '--rpm', '0')).not.toBe(0);
    expect(api.requests).toHaveLength(1);
  });
});
