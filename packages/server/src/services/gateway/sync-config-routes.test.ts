import { describe, expect, it } from 'vitest';
import { createLibsqlMetadataStore } from '../../adapters/metadata-store/libsql-metadata-store.js';
import { CONFIG_ROUTE_SCOPE, type MetadataStore } from '../../ports/metadata-store.js';
import type { RouteConfig } from './gateway-config.js';
import { sameDefinition, syncConfigRoutes } from './sync-config-routes.js';

const T0 = new Date('2026-11-01T00:00:00.000Z');

async function store(): Promise<MetadataStore> {
  const metadata = createLibsqlMetadataStore({ url: ':memory:' });
  await metadata.migrate();
  return metadata;
}

const route = (name: string, ref: string, extra: Partial<RouteConfig> = {}): RouteConfig => ({
  name,
  strategy: 'single',
  targets: [{ ref }],
  ...extra,
});

const sync = (metadata: MetadataStore, routes: RouteConfig[]) =>
  syncConfigRoutes({ metadata, clock: { now: () => T0 } }, routes);

const history = async (metadata: MetadataStore, name: string) =>
  (await metadata.routes.history(CONFIG_ROUTE_SCOPE, name)).map((r) => [
    r.version,
    r.definition === null ? null : (r.definition.targets as { ref: string }[])[0]?.ref,
  ]);

describe('syncConfigRoutes', () => {
  it('stores each route as version 1 under the reserved scope, with no author', async () => {
    const metadata = await store();
    const versions = await sync(metadata, [route('chat', 'vllm'), route('haiku', 'bedrock')]);
    expect([...versions.keys()]).toEqual(['chat', 'haiku']);
    expect(versions.get('chat')).toEqual({
      tenantId: CONFIG_ROUTE_SCOPE,
      name: 'chat',
      version: 1,
      definition: { name: 'chat', strategy: 'single', targets: [{ ref: 'vllm' }] },
      createdAt: T0.toISOString(),
      createdBy: null,
    });
    expect(await metadata.tenants.get(CONFIG_ROUTE_SCOPE)).not.toBeNull();
  });

  it('writes nothing for an unchanged file, whatever the key order', async () => {
    const metadata = await store();
    const first = await sync(metadata, [
      route('chat', 'vllm', { retry: { attempts: 1, maxRetryAfterMs: 5 } }),
    ]);
    const reordered = {
      retry: { maxRetryAfterMs: 5, attempts: 1 },
      targets: [{ ref: 'vllm' }],
      strategy: 'single',
      name: 'chat',
    } as RouteConfig;
    const again = await sync(metadata, [reordered]);
    expect(again.get('chat')).toEqual(first.get('chat'));
    expect(await history(metadata, 'chat')).toEqual([[1, 'vllm']]);
  });

  it('versions a changed route, tombstones a removed one and continues the history of a returning one', async () => {
    const metadata = await store();
    await sync(metadata, [route('chat', 'vllm'), route('gone', 'openai')]);
    const second = await sync(metadata, [route('chat', 'trtllm')]);
    expect(second.get('chat')?.version).toBe(2);
    expect(second.has('gone')).toBe(false);
    expect(await history(metadata, 'gone')).toEqual([
      [1, 'openai'],
      [2, null],
    ]);
    // Removing again does not stack tombstones.
    await sync(metadata, [route('chat', 'trtllm')]);
    expect(await history(metadata, 'gone')).toHaveLength(2);

    const third = await sync(metadata, [route('chat', 'vllm'), route('gone', 'openai')]);
    expect(third.get('gone')?.version).toBe(3);
    expect(await history(metadata, 'chat')).toEqual([
      [1, 'vllm'],
      [2, 'trtllm'],
      [3, 'vllm'],
    ]);
  });

  it('leaves tenants alone: a tenant route of the same name keeps its own history', async () => {
    const metadata = await store();
    await metadata.tenants.ensure('acme');
    await metadata.routes.append({
      tenantId: 'acme',
      name: 'chat',
      definition: { name: 'chat', strategy: 'single', targets: [{ ref: 'mine' }] },
      createdAt: T0.toISOString(),
      createdBy: 'key_1',
    });
    await sync(metadata, [route('chat', 'vllm')]);
    await sync(metadata, []);
    expect((await metadata.routes.history('acme', 'chat')).map((r) => r.version)).toEqual([1]);
    expect(await metadata.routes.listCurrent('acme')).toHaveLength(1);
    expect(await history(metadata, 'chat')).toEqual([
      [1, 'vllm'],
      [2, null],
    ]);
  });

  it('two instances syncing the same file at once write each change once and agree on the versions', async () => {
    const metadata = await store();
    await sync(metadata, [route('chat', 'vllm'), route('gone', 'openai')]);
    const next = [route('chat', 'trtllm'), route('fresh', 'bedrock')];
    const [a, b, c] = await Promise.all([sync(metadata, next), sync(metadata, next), sync(metadata, next)]);
    for (const result of [a, b, c]) {
      expect(result.get('chat')?.version).toBe(2);
      expect(result.get('fresh')?.version).toBe(1);
    }
    expect(await history(metadata, 'chat')).toEqual([
      [1, 'vllm'],
      [2, 'trtllm'],
    ]);
    expect(await history(metadata, 'gone')).toEqual([
      [1, 'openai'],
      [2, null],
    ]);
    expect(await history(metadata, 'fresh')).toEqual([[1, 'bedrock']]);
  });

  it.each([
    [
      'an older file',
      'old',
      [
        [1, 'vllm'],
        [2, 'old'],
        [3, 'trtllm'],
      ],
    ],
    [
      'the same file',
      'trtllm',
      [
        [1, 'vllm'],
        [2, 'trtllm'],
      ],
    ],
  ])(
    're-reads and settles when another instance with %s wrote between its read and its write',
    async (_, ref, expected) => {
      const metadata = await store();
      await sync(metadata, [route('chat', 'vllm')]);
      const listCurrent = metadata.routes.listCurrent.bind(metadata.routes);
      metadata.routes.listCurrent = async (tenantId) => {
        const rows = await listCurrent(tenantId);
        await metadata.routes.append({
          tenantId: CONFIG_ROUTE_SCOPE,
          name: 'chat',
          definition: { name: 'chat', strategy: 'single', targets: [{ ref }] },
          createdAt: T0.toISOString(),
          createdBy: null,
        });
        return rows;
      };
      const result = await sync(metadata, [route('chat', 'trtllm')]);
      expect(result.get('chat')?.version).toBe(expected.length);
      expect(await history(metadata, 'chat')).toEqual(expected);
    },
  );
});

describe('sameDefinition', () => {
  it('compares as JSON regardless of key order, not ignoring array order or values', () => {
    expect(sameDefinition({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameDefinition({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameDefinition({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameDefinition(null, null)).toBe(true);
    expect(sameDefinition(null, { a: 1 })).toBe(false);
  });
});
