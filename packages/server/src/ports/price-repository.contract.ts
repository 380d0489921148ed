import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PriceEntry, PriceVersionRow } from './cost-repositories.js';
import type { MetadataStore } from './metadata-store.js';

export interface PriceRepositoryContractContext {
  /** A fresh, empty store; the suite runs `migrate()` and `close()` itself. */
  store: MetadataStore;
  /** Runs raw SQL on the same database, to show the schema itself refuses rewrites. */
  rawExecute(sql: string): Promise<unknown>;
  /** A second store on the same database (another instance), when the backend can have one. */
  openAnother?: () => MetadataStore;
  /** Frees what setup made, after the stores are closed. */
  cleanup(): Promise<void>;
}

const T0 = '2026-03-01T00:00:00.000Z';
const T1 = '2026-04-01T00:00:00.000Z';

type NewVersion = Omit<PriceVersionRow, 'version'>;

function newVersion(entries: PriceEntry[], extra: Partial<NewVersion> = {}): NewVersion {
  return {
    effectiveFrom: T0,
    entries,
    source: 'api',
    note: null,
    createdAt: T0,
    createdBy: 'key_admin',
    ...extra,
  };
}

const gpt = (inputMicros: number): PriceEntry => ({
  model: 'gpt-4o',
  inputPerMillionMicros: inputMicros,
  outputPerMillionMicros: 10_000_000,
});

/** The versioned price book (PriceRepository) against a real backend. */
export function runPriceRepositoryContract(
  name: string,
  setup: () => Promise<PriceRepositoryContractContext>,
): void {
  describe(`PriceRepository contract: ${name}`, () => {
    let context: PriceRepositoryContractContext;
    let store: MetadataStore;
    const others: MetadataStore[] = [];

    beforeEach(async () => {
      context = await setup();
      store = context.store;
      await store.migrate();
    });
    afterEach(async () => {
      await Promise.all(others.splice(0).map((other) => other.close()));
      await store.close();
      await context.cleanup();
    });

    it('starts empty', async () => {
      expect(await store.prices.list()).toEqual([]);
      expect(await store.prices.get(1)).toBeNull();
    });

    it('numbers versions 1, 2, 3 and lists them oldest first', async () => {
      const v1 = await store.prices.append(
        newVersion([gpt(2_500_000)], { source: 'config', createdBy: null }),
        null,
      );
      expect(v1).toEqual({
        version: 1,
        ...newVersion([gpt(2_500_000)], { source: 'config', createdBy: null }),
      });
      const v2 = await store.prices.append(newVersion([gpt(2_000_000)], { note: 'cheaper' }), 1);
      const v3 = await store.prices.append(newVersion([gpt(1_000_000)], { effectiveFrom: T1 }), 2);
      expect([v1?.version, v2?.version, v3?.version]).toEqual([1, 2, 3]);
      expect(await store.prices.list()).toEqual([v1, v2, v3]);
      expect(await store.prices.get(2)).toEqual(v2);
      expect(v2?.note).toBe('cheaper');
      expect(await store.prices.get(4)).toBeNull();
    });

    it('refuses an append whose expected latest version is stale or ahead, writing nothing', async () => {
      await store.prices.append(newVersion([gpt(1)]), null);
      await store.prices.append(newVersion([gpt(2)]), 1);
      expect(await store.prices.append(newVersion([gpt(3)]), null)).toBeNull();
      expect(await store.prices.append(newVersion([gpt(3)]), 1)).toBeNull();
      expect(await store.prices.append(newVersion([gpt(3)]), 5)).toBeNull();
      const versions = await store.prices.list();
      expect(versions.map((v) => [v.version, v.entries[0]?.inputPerMillionMicros])).toEqual([
        [1, 1],
        [2, 2],
      ]);
    });

    it('lets exactly one of many concurrent appends on the same version win', async () => {
      await store.prices.append(newVersion([gpt(1)]), null);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.prices.append(newVersion([gpt(100 + i)]), 1)),
      );
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      expect(winners[0]?.version).toBe(2);
      expect(await store.prices.list()).toHaveLength(2);
      expect((await store.prices.get(2))?.entries).toEqual(winners[0]?.entries);
    });

    it('gives writers that re-read after losing contiguous versions, each change stored once', async () => {
      const stores = [store, ...Array.from({ length: context.openAnother ? 2 : 0 }, open)];
      function open(): MetadataStore {
        const other = (context.openAnother as () => MetadataStore)();
        others.push(other);
        return other;
      }
      await Promise.all(stores.slice(1).map((s) => s.migrate()));
      const writers = 6;
      await Promise.all(
        Array.from({ length: writers }, async (_, i) => {
          const own = stores[i % stores.length] as MetadataStore;
          for (let attempt = 0; attempt < writers + 1; attempt++) {
            const latest = (await own.prices.list()).at(-1)?.version ?? null;
            if (await own.prices.append(newVersion([gpt(1000 + i)]), latest)) return;
          }
          throw new Error(`writer ${i} never got a version in`);
        }),
      );
      const versions = await store.prices.list();
      expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(versions.map((v) => v.entries[0]?.inputPerMillionMicros).sort()).toEqual([
        1000, 1001, 1002, 1003, 1004, 1005,
      ]);
    });

    it('round-trips every entry field, absent fields staying absent', async () => {
      const entries: PriceEntry[] = [
        {
          target: 'openai-gpt4o',
          model: 'gpt-4o',
          inputPerMillionMicros: 2_500_000,
          cachedInputPerMillionMicros: 1_250_000,
          outputPerMillionMicros: 10_000_000,
          reasoningPerMillionMicros: 12_000_000,
        },
        { model: 'text-embedding-3-small', inputPerMillionMicros: 20_000, outputPerMillionMicros: 0 },
        { target: 'vllm-a', gpuHourMicros: 2_400_000, gpus: 2 },
        // the largest price the money path accepts survives the JSON column exactly
        { model: 'huge', inputPerMillionMicros: Number.MAX_SAFE_INTEGER, outputPerMillionMicros: 1 },
      ];
      await store.prices.append(newVersion(entries, { note: 'ünïcødé "quoted"' }), null);
      const stored = await store.prices.get(1);
      expect(stored?.entries).toEqual(entries);
      expect(stored?.note).toBe('ünïcødé "quoted"');
      expect(Object.keys(stored?.entries[1] ?? {}).sort()).toEqual([
        'inputPerMillionMicros',
        'model',
        'outputPerMillionMicros',
      ]);
      const empty = await store.prices.append(newVersion([]), 1);
      expect(empty?.entries).toEqual([]);
    });

    it('never rewrites a stored version, even through raw SQL', async () => {
      const v1 = await store.prices.append(newVersion([gpt(2_500_000)]), null);
      await expect(
        context.rawExecute("UPDATE price_versions SET entries = '[]' WHERE version = 1"),
      ).rejects.toThrow(/price versions are immutable/);
      await expect(
        context.rawExecute("UPDATE price_versions SET effective_from = '2000-01-01' WHERE version = 1"),
      ).rejects.toThrow(/price versions are immutable/);
      await expect(context.rawExecute('DELETE FROM price_versions WHERE version = 1')).rejects.toThrow(
        /price versions are never deleted/,
      );
      expect(await store.prices.get(1)).toEqual(v1);
    });
  });
}
