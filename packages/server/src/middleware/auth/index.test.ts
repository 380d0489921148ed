import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import '../../context.js';
import { createLibsqlMetadataStore } from '../../adapters/metadata-store/libsql-metadata-store.js';
import { randomIds } from '../../core/ids.js';
import type { AppDeps } from '../../deps.js';
import { systemClock } from '../../ports/clock.js';
import { createApiKey } from '../../services/keys/create-api-key.js';
import { handleError } from '../errors/index.js';
import { requestId } from '../request-id/index.js';
import { authenticate, PRINCIPAL_TTL_MS } from './index.js';

afterEach(() => vi.useRealTimers());

async function setup() {
  const metadata = createLibsqlMetadataStore({ url: ':memory:' });
  await metadata.migrate();
  const deps = { metadata, ids: randomIds, clock: systemClock } as unknown as AppDeps;
  const key = await createApiKey(deps, { tenant: 'acme', admin: false });
  const app = new Hono();
  app.use('*', requestId);
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.use('*', authenticate);
  app.get('/who', (c) => c.json(c.get('principal')));
  app.onError(handleError);
  const lookups = vi.spyOn(metadata.apiKeys, 'findByHash');
  const call = (secret: string) => app.request('/who', { headers: { authorization: `Bearer ${secret}` } });
  return { metadata, key, lookups, call };
}

describe('authenticate', () => {
  it('caches a verified key briefly, so repeat requests skip the database', async () => {
    const { key, lookups, call } = await setup();
    for (let i = 0; i < 5; i++) expect((await call(key.key)).status).toBe(200);
    expect(await (await call(key.key)).json()).toMatchObject({
      tenantId: 'acme',
      keyId: key.id,
      admin: false,
    });
    expect(lookups).toHaveBeenCalledTimes(1);
  });

  it('does not cache failures, and sees a revocation once the entry expires', async () => {
    const { metadata, key, lookups, call } = await setup();
    expect((await call('rl_unknown')).status).toBe(401);
    expect((await call('rl_unknown')).status).toBe(401);
    expect(lookups).toHaveBeenCalledTimes(2);

    vi.useFakeTimers({ toFake: ['Date'] });
    expect((await call(key.key)).status).toBe(200);
    await metadata.apiKeys.revoke('acme', key.id, new Date().toISOString());
    expect((await call(key.key)).status).toBe(200);
    vi.setSystemTime(Date.now() + PRINCIPAL_TTL_MS + 1);
    expect((await call(key.key)).status).toBe(401);
  });
});
