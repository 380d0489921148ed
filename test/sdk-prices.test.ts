import { BadRequestError, NotFoundError, PermissionDeniedError, Ragline } from '@ragline/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

/** The SDK's prices resource against the real server: its schemas accept what the server answers. */

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let admin: Ragline;
let tenant: Ragline;

beforeAll(async () => {
  server = await createInProcessServer();
  const sdk = (apiKey: string) =>
    new Ragline({ baseURL: server.baseURL, apiKey, fetch: server.fetch as typeof fetch });
  admin = sdk(ADMIN_KEY);
  tenant = sdk((await admin.keys.create({ tenant: 'acme' })).key);
});
afterAll(() => server?.close());

describe('SDK prices resource', () => {
  it('reads an empty book, then creates, gets and lists versions', async () => {
    expect(await tenant.prices.get()).toMatchObject({ version: null, entries: [] });

    const created = await admin.prices.create({
      effectiveFrom: '2026-01-01',
      note: 'list prices',
      entries: [
        { model: 'gpt-4o-mini', input: '0.15', cachedInput: '0.075', output: '0.60' },
        { target: 'vllm-a', gpuHour: 2.4, gpus: 4 },
      ],
    });
    expect(created).toMatchObject({
      version: 1,
      effectiveFrom: '2026-01-01T00:00:00.000Z',
      source: 'api',
      note: 'list prices',
    });
    expect(created.entries[0]).toEqual({
      model: 'gpt-4o-mini',
      inputPerMillionMicros: 150_000,
      input: '0.150000',
      cachedInputPerMillionMicros: 75_000,
      cachedInput: '0.075000',
      outputPerMillionMicros: 600_000,
      output: '0.600000',
    });
    expect(await tenant.prices.get()).toEqual(created);
    expect(await tenant.prices.version(1)).toEqual(created);
    expect(await tenant.prices.versions()).toEqual({ data: [created] });

    const next = await admin.prices.create({
      effectiveFrom: '2099-01-01T00:00:00Z',
      entries: [{ model: 'gpt-4o-mini', input: '0.10', output: '0.40' }],
    });
    expect(next.version).toBe(2);
    expect((await tenant.prices.get()).version).toBe(1);
    expect((await tenant.prices.get({ at: '2099-06-01T00:00:00Z' })).version).toBe(2);
  });

  it('maps refusals to typed errors', async () => {
    await expect(tenant.prices.create({ entries: [] })).rejects.toBeInstanceOf(PermissionDeniedError);
    const bad = admin.prices.create({ entries: [{ model: 'x', input: '1.0000001', output: 1 }] });
    await expect(bad).rejects.toBeInstanceOf(BadRequestError);
    await expect(bad).rejects.toThrow(/entries\[0\]\.input/);
    await expect(tenant.prices.version(404)).rejects.toBeInstanceOf(NotFoundError);
  });
});
