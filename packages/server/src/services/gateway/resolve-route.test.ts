import { describe, expect, it, vi } from 'vitest';
import { createLibsqlMetadataStore } from '../../adapters/metadata-store/libsql-metadata-store.js';
import { ApiError } from '../../core/api-error.js';
import { CONFIG_ROUTE_SCOPE, type MetadataStore } from '../../ports/metadata-store.js';
import { configRouteVersions } from './config-route-versions.js';
import { createGateway } from './gateway.js';
import type { GatewayConfig, RouteConfig } from './gateway-config.js';
import { resolveRoute, resolveRouteForKey, routeNamesFor } from './resolve-route.js';

const clock = { now: () => new Date('2026-11-01T00:00:00.000Z') };
const TARGETS: GatewayConfig['targets'] = [
  { id: 'vllm', kind: 'vllm', model: 'llama', baseURL: 'http://vllm.test/v1' },
  { id: 'trtllm', kind: 'trtllm', model: 'llama', baseURL: 'http://trtllm.test/v1' },
];
const route = (name: string, ref: string): RouteConfig => ({ name, strategy: 'single', targets: [{ ref }] });

async function setup(routes: RouteConfig[]) {
  const metadata = createLibsqlMetadataStore({ url: ':memory:' });
  await metadata.migrate();
  await metadata.tenants.ensure('acme');
  const deps = { metadata, clock, gateway: createGateway({ targets: TARGETS, pools: [], routes }) };
  /** A restart with another config file: a new gateway over the same store. */
  const restart = (next: RouteConfig[]) => {
    deps.gateway = createGateway({ targets: TARGETS, pools: [], routes: next });
  };
  return { metadata, deps, restart };
}

async function putTenantRoute(metadata: MetadataStore, name: string, ref: string | null) {
  return metadata.routes.append({
    tenantId: 'acme',
    name,
    definition: ref === null ? null : { name, strategy: 'single', targets: [{ ref }] },
    createdAt: clock.now().toISOString(),
    createdBy: 'key_1',
  });
}

function spyOnStore(metadata: MetadataStore) {
  return [
    ...(['append', 'appendIfCurrent', 'current', 'getVersion', 'listCurrent', 'history'] as const).map((m) =>
      vi.spyOn(metadata.routes, m),
    ),
    vi.spyOn(metadata.tenants, 'ensure'),
  ];
}
const calls = (spies: ReturnType<typeof spyOnStore>) => spies.reduce((n, s) => n + s.mock.calls.length, 0);

describe('resolveRoute', () => {
  it('returns the stored version for config-file routes and tenant routes alike', async () => {
    const { metadata, deps } = await setup([route('chat', 'vllm')]);
    await putTenantRoute(metadata, 'mine', 'vllm');
    await putTenantRoute(metadata, 'mine', 'trtllm');
    expect(await resolveRoute(deps, 'acme', 'chat')).toEqual({
      route: route('chat', 'vllm'),
      source: 'config',
      version: 1,
    });
    expect(await resolveRoute(deps, 'acme', 'mine')).toEqual({
      route: route('mine', 'trtllm'),
      source: 'tenant',
      version: 2,
    });
    expect(await resolveRoute(deps, 'acme', 'missing')).toBeNull();
    expect(await resolveRoute(deps, 'other', 'mine')).toBeNull();
  });

  it('answers config routes from memory after the first call: no store access per request', async () => {
    const { metadata, deps } = await setup([route('chat', 'vllm')]);
    await configRouteVersions(deps);
    const spies = spyOnStore(metadata);
    for (let i = 0; i < 20; i++) expect((await resolveRoute(deps, 'acme', 'chat'))?.version).toBe(1);
    expect(await resolveRoute(deps, 'acme', 'chat', { version: 1 })).not.toBeNull();
    expect(calls(spies)).toBe(0);
  });

  it('resolves pinned versions of a config route across restarts; a pinned old one routes by its own definition', async () => {
    const { deps, restart } = await setup([route('chat', 'vllm'), route('gone', 'vllm')]);
    expect((await resolveRoute(deps, 'acme', 'chat'))?.version).toBe(1);
    restart([route('chat', 'trtllm')]);
    expect(await resolveRoute(deps, 'acme', 'chat')).toMatchObject({
      version: 2,
      route: route('chat', 'trtllm'),
    });
    expect(await resolveRoute(deps, 'acme', 'chat', { version: 1 })).toEqual({
      route: route('chat', 'vllm'),
      source: 'config',
      version: 1,
    });
    expect((await resolveRoute(deps, 'acme', 'chat', { version: 2 }))?.route).toBe(
      deps.gateway.config.routes[0],
    );
    expect(await resolveRoute(deps, 'acme', 'chat', { version: 3 })).toBeNull();
    expect(await resolveRoute(deps, 'acme', 'chat', { version: 0 })).toBeNull();
    // A route the file dropped: gone now, its versions still resolve, its tombstone does not.
    expect(await resolveRoute(deps, 'acme', 'gone')).toBeNull();
    expect(await resolveRoute(deps, 'acme', 'gone', { version: 1 })).toMatchObject({ source: 'config' });
    expect(await resolveRoute(deps, 'acme', 'gone', { version: 2 })).toBeNull();
  });

  it('resolves pinned tenant versions, reads each pinned version from the store once, and honours `source`', async () => {
    const { metadata, deps } = await setup([route('chat', 'vllm')]);
    await putTenantRoute(metadata, 'mine', 'vllm');
    await putTenantRoute(metadata, 'mine', null);
    expect(await resolveRoute(deps, 'acme', 'mine')).toBeNull();
    const getVersion = vi.spyOn(metadata.routes, 'getVersion');
    for (let i = 0; i < 3; i++) {
      expect(await resolveRoute(deps, 'acme', 'mine', { version: 1 })).toEqual({
        route: route('mine', 'vllm'),
        source: 'tenant',
        version: 1,
      });
    }
    expect(getVersion).toHaveBeenCalledTimes(1);
    expect(await resolveRoute(deps, 'acme', 'mine', { version: 2 })).toBeNull();
    expect(await resolveRoute(deps, 'acme', 'mine', { version: 1, source: 'config' })).toBeNull();
    expect(await resolveRoute(deps, 'acme', 'chat', { source: 'tenant' })).toBeNull();
    expect(await resolveRoute(deps, 'other', 'mine', { version: 1 })).toBeNull();
  });

  it('does not fall back to a dropped config route for a name the tenant owns', async () => {
    const { metadata, deps, restart } = await setup([route('shared', 'vllm')]);
    await configRouteVersions(deps);
    restart([route('chat', 'vllm')]);
    await putTenantRoute(metadata, 'shared', 'trtllm');
    expect(await resolveRoute(deps, 'acme', 'shared')).toMatchObject({ source: 'tenant', version: 1 });
    expect(await resolveRoute(deps, 'acme', 'shared', { version: 2 })).toBeNull();
    expect(await resolveRoute(deps, 'acme', 'shared', { version: 1 })).toMatchObject({ source: 'tenant' });
    expect(await resolveRoute(deps, 'acme', 'shared', { version: 1, source: 'config' })).toMatchObject({
      source: 'config',
      route: route('shared', 'vllm'),
    });
  });

  it('does not sync without a gateway configuration, and retries a sync that failed', async () => {
    const metadata = createLibsqlMetadataStore({ url: ':memory:' });
    await metadata.migrate();
    const empty = { metadata, clock, gateway: createGateway() };
    expect(await resolveRoute(empty, 'acme', 'chat')).toBeNull();
    expect(await metadata.tenants.get(CONFIG_ROUTE_SCOPE)).toBeNull();

    const deps = {
      metadata,
      clock,
      gateway: createGateway({ targets: TARGETS, pools: [], routes: [route('chat', 'vllm')] }),
    };
    const listCurrent = vi
      .spyOn(metadata.routes, 'listCurrent')
      .mockRejectedValueOnce(new Error('store down'));
    await expect(resolveRoute(deps, 'acme', 'chat')).rejects.toThrow('store down');
    expect((await resolveRoute(deps, 'acme', 'chat'))?.version).toBe(1);
    expect(listCurrent).toHaveBeenCalledTimes(2);
  });
});

describe('resolveRouteForKey and routeNamesFor', () => {
  it('refuse a name outside the key allow-list before any lookup, and list only allowed names', async () => {
    const { metadata, deps } = await setup([route('llama-8b', 'vllm'), route('gpt', 'vllm')]);
    await putTenantRoute(metadata, 'llama-canary', 'trtllm');
    const key = { tenantId: 'acme', allowedModels: ['llama-*'] };
    expect(await resolveRouteForKey(deps, key, 'llama-canary')).toMatchObject({ source: 'tenant' });
    expect(await resolveRouteForKey(deps, key, 'llama-missing')).toBeNull();
    const spies = spyOnStore(metadata);
    for (const name of ['gpt', 'no-such-model']) {
      const error = await resolveRouteForKey(deps, key, name).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      expect((error as Error).message).toContain(`\`${name}\``);
    }
    expect(calls(spies)).toBe(0);
    expect(await routeNamesFor(deps, key)).toEqual(['llama-8b', 'llama-canary']);
    expect(await routeNamesFor(deps, { tenantId: 'acme', allowedModels: null })).toEqual([
      'llama-8b',
      'gpt',
      'llama-canary',
    ]);
    expect(await routeNamesFor(deps, { tenantId: 'acme', allowedModels: [] })).toEqual([]);
  });
});
