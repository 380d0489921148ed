import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLibsqlMetadataStore } from '../../adapters/metadata-store/libsql-metadata-store.js';
import type { PriceEntry } from '../../ports/cost-repositories.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { ParsedPriceBook } from './price-book-input.js';
import { createPriceCatalog } from './price-catalog.js';
import { applyConfigPrices, sameEntries, syncConfigPrices } from './sync-config-prices.js';

const T0 = new Date('2026-11-01T00:00:00.000Z');
const T1 = new Date('2026-11-02T00:00:00.000Z');

const GPT: PriceEntry = {
  model: 'gpt-4o',
  inputPerMillionMicros: 2_500_000,
  outputPerMillionMicros: 10_000_000,
};
const VLLM: PriceEntry = { target: 'vllm-a', gpuHourMicros: 2_400_000, gpus: 2 };

const stores: MetadataStore[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function open(url = ':memory:'): Promise<MetadataStore> {
  const store = createLibsqlMetadataStore({ url });
  stores.push(store);
  await store.migrate();
  return store;
}

const sync = (store: MetadataStore, book: ParsedPriceBook, at = T0) =>
  syncConfigPrices({ prices: store.prices, clock: { now: () => at } }, book);

const summary = async (store: MetadataStore) =>
  (await store.prices.list()).map((v) => [v.version, v.source, v.entries.length]);

describe('syncConfigPrices', () => {
  it('stores the file prices as version 1 with source config, effective from the start', async () => {
    const store = await open();
    const row = await sync(store, { entries: [GPT, VLLM], note: 'list prices' });
    expect(row).toEqual({
      version: 1,
      effectiveFrom: T0.toISOString(),
      entries: [GPT, VLLM],
      source: 'config',
      note: 'list prices',
      createdAt: T0.toISOString(),
      createdBy: null,
    });
  });

  it('writes nothing on a restart with the same prices, in any order', async () => {
    const store = await open();
    const first = await sync(store, { entries: [GPT, VLLM] });
    const again = await sync(
      store,
      { entries: [{ gpus: 2, gpuHourMicros: 2_400_000, target: 'vllm-a' }, GPT] },
      T1,
    );
    expect(again).toEqual(first);
    expect(await summary(store)).toEqual([[1, 'config', 2]]);
  });

  it('appends a version when a price changes, and when an explicit effectiveFrom changes', async () => {
    const store = await open();
    await sync(store, { entries: [GPT] });
    const changed = await sync(store, { entries: [{ ...GPT, outputPerMillionMicros: 9_000_000 }] }, T1);
    expect(changed).toMatchObject({ version: 2, effectiveFrom: T1.toISOString() });
    const dated = await sync(
      store,
      { effectiveFrom: '2027-01-01T00:00:00.000Z', entries: [{ ...GPT, outputPerMillionMicros: 9_000_000 }] },
      T1,
    );
    expect(dated).toMatchObject({ version: 3, effectiveFrom: '2027-01-01T00:00:00.000Z' });
    expect(
      await sync(store, { effectiveFrom: '2027-01-01T00:00:00.000Z', entries: dated?.entries ?? [] }),
    ).toEqual(dated);
    expect(await summary(store)).toEqual([
      [1, 'config', 1],
      [2, 'config', 1],
      [3, 'config', 1],
    ]);
  });

  it('leaves a version set through the API in force until the file itself changes', async () => {
    const store = await open();
    await sync(store, { entries: [GPT] });
    await store.prices.append(
      {
        effectiveFrom: T0.toISOString(),
        entries: [{ ...GPT, inputPerMillionMicros: 1 }],
        source: 'api',
        note: null,
        createdAt: T0.toISOString(),
        createdBy: 'key_admin',
      },
      1,
    );
    await sync(store, { entries: [GPT] }, T1);
    expect(await summary(store)).toEqual([
      [1, 'config', 1],
      [2, 'api', 1],
    ]);
    await sync(store, { entries: [GPT, VLLM] }, T1);
    expect(await summary(store)).toEqual([
      [1, 'config', 1],
      [2, 'api', 1],
      [3, 'config', 2],
    ]);
  });

  it('stores nothing for an empty section on an empty book, but empties a priced one', async () => {
    const store = await open();
    expect(await sync(store, { entries: [] })).toBeNull();
    expect(await store.prices.list()).toEqual([]);
    await sync(store, { entries: [GPT] });
    expect(await sync(store, { entries: [] }, T1)).toMatchObject({ version: 2, entries: [] });
  });

  it('stores one version when several instances start together on one database', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ragline-prices-'));
    dirs.push(dir);
    const url = `file:${join(dir, 'meta.db')}`;
    const instances = await Promise.all(Array.from({ length: 4 }, () => open(url)));
    const rows = await Promise.all(instances.map((store) => sync(store, { entries: [GPT, VLLM] })));
    expect(rows.map((r) => r?.version)).toEqual([1, 1, 1, 1]);
    expect(await summary(instances[0] as MetadataStore)).toEqual([[1, 'config', 2]]);

    const changed = await Promise.all(instances.map((store) => sync(store, { entries: [VLLM] }, T1)));
    expect(changed.map((r) => r?.version)).toEqual([2, 2, 2, 2]);
    expect(await summary(instances[0] as MetadataStore)).toEqual([
      [1, 'config', 2],
      [2, 'config', 1],
    ]);
  });
});

describe('applyConfigPrices', () => {
  it('syncs the file prices and reloads the catalog, so the book prices calls at once', async () => {
    const store = await open();
    const catalog = await createPriceCatalog({ prices: store.prices, refreshMs: 0 });
    expect(catalog.book().versionAt(T0.getTime())).toBeNull();
    await applyConfigPrices({ prices: store.prices, clock: { now: () => T0 }, catalog }, { entries: [GPT] });
    expect(catalog.book().priceFor({ model: 'gpt-4o' }, { atMs: T0.getTime() })).toEqual({
      entry: GPT,
      version: 1,
    });
  });

  it('leaves the store alone for a file without a prices section', async () => {
    const store = await open();
    await sync(store, { entries: [GPT] });
    await applyConfigPrices({ prices: store.prices, clock: { now: () => T1 } }, null);
    expect(await summary(store)).toEqual([[1, 'config', 1]]);
  });
});

describe('sameEntries', () => {
  it('compares entries as sets of prices', () => {
    expect(sameEntries([GPT, VLLM], [VLLM, GPT])).toBe(true);
    expect(sameEntries([GPT], [{ ...GPT, cachedInputPerMillionMicros: 2_500_000 }])).toBe(false);
    expect(sameEntries([GPT], [GPT, GPT])).toBe(false);
    expect(sameEntries([], [])).toBe(true);
  });
});
