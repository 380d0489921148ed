import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import '../../context.js';
import { createLibsqlMetadataStore } from '../../adapters/metadata-store/libsql-metadata-store.js';
import { randomIds } from '../../core/ids.js';
import type { AppDeps } from '../../deps.js';
import { systemClock } from '../../ports/clock.js';
import { createApiKey } from '../../services/keys/create-api-key.js';
import { authenticate, PRINCIPAL_TTL_MS } from './index.js';

afterEach(() => vi.useRealTimers());

describe('principal rate limits', () => {
  it("carries the key's rpm and tpm limits, and a changed limit once the cached entry expires", async () => {
    const metadata = createLibsqlMetadataStore({ url: ':memory:' });
    await metadata.migrate();
    const deps = { metadata, ids: randomIds, clock: systemClock } as unknown as AppDeps;
    const limited = await createApiKey(deps, { tenant: 'acme', admin: false, rpmLimit: 30, tpmLimit: 5_000 });
    const open = await createApiKey(deps, { tenant: 'acme', admin: false });
    const app = new Hono();
    app.use('*', async (c, next) => {
      c.set('deps', deps);
      await next();
    });
    app.use('*', authenticate);
    app.get('/who', (c) => c.json(c.get('principal')));
    const who = async (secret: string) =>
      (await app.request('/who', { headers: { authorization: `Bearer ${secret}` } })).json();

    vi.useFakeTimers({ toFake: ['Date'] });
    expect(await who(limited.key)).toMatchObject({ keyId: limited.id, rpmLimit: 30, tpmLimit: 5_000 });
    expect(await who(open.key)).toMatchObject({ keyId: open.id, rpmLimit: null, tpmLimit: null });
    await metadata.apiKeys.updateLimits('acme', limited.id, { rpmLimit: 5 });
    vi.setSystemTime(Date.now() + PRINCIPAL_TTL_MS + 1);
    expect(await who(limited.key)).toMatchObject({ rpmLimit: 5, tpmLimit: 5_000 });
    await metadata.close();
  });
});
