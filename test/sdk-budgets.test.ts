import { NotFoundError, PermissionDeniedError, Ragline } from '@ragline/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let admin: Ragline;
const clientFor = (apiKey: string) =>
  new Ragline({ baseURL: server.baseURL, apiKey, fetch: server.fetch as typeof fetch, maxRetries: 0 });

beforeAll(async () => {
  server = await createInProcessServer();
  admin = clientFor(ADMIN_KEY);
});
afterAll(() => server?.close());

describe('SDK budgets and key limits against the real server', () => {
  it('creates, lists, reads, updates and deletes a budget', async () => {
    const key = await admin.keys.create({ tenant: 'default', name: 'app', rpmLimit: 60, tpmLimit: 100_000 });
    expect(key).toMatchObject({ rpmLimit: 60, tpmLimit: 100_000 });
    const budget = await admin.budgets.create({
      keyId: key.id,
      period: 'day',
      limit: '2.50',
      name: 'app-daily',
    });
    expect(budget).toMatchObject({
      scope: 'key',
      keyId: key.id,
      mode: 'hard',
      limitMicros: 2_500_000,
      spent: '0.000000',
    });

    const reader = clientFor(key.key);
    expect((await reader.budgets.list()).data.map((b) => b.id)).toContain(budget.id);
    expect(await reader.budgets.get(budget.id)).toMatchObject({
      name: 'app-daily',
      remainingMicros: 2_500_000,
    });
    await expect(reader.budgets.update(budget.id, { limit: 1_000 })).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );

    expect(await admin.budgets.update(budget.id, { mode: 'soft', limit: 3 })).toMatchObject({
      mode: 'soft',
      limitMicros: 3_000_000,
    });
    expect((await admin.budgets.alerts({ budgetId: budget.id, limit: 10 })).data).toEqual([]);
    await admin.budgets.delete(budget.id);
    await expect(admin.budgets.get(budget.id)).rejects.toBeInstanceOf(NotFoundError);

    expect(await admin.keys.update(key.id, { rpmLimit: null })).toMatchObject({
      id: key.id,
      tenant: 'default',
      rpmLimit: null,
      tpmLimit: 100_000,
      revokedAt: null,
    });
  });
});
