import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PriceRepository, PriceVersionRow } from '../../ports/cost-repositories.js';
import { createPriceCatalog } from './price-catalog.js';

const version = (n: number): PriceVersionRow => ({
  version: n,
  effectiveFrom: '2026-01-01T00:00:00.000Z',
  entries: [{ model: 'm', inputPerMillionMicros: n, outputPerMillionMicros: n }],
  source: 'api',
  note: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: null,
});

/** A repository whose list() answers only when the test says so, in any order. */
function heldRepository() {
  const pending: { resolve: (rows: PriceVersionRow[]) => void }[] = [];
  let immediate: PriceVersionRow[] | null = [];
  const prices: PriceRepository = {
    list: () =>
      immediate
        ? Promise.resolve(immediate)
        : new Promise<PriceVersionRow[]>((resolve) => pending.push({ resolve })),
    append: () => Promise.reject(new Error('not used')),
    get: () => Promise.reject(new Error('not used')),
  };
  return {
    prices,
    hold: () => {
      immediate = null;
    },
    answer: (index: number, rows: PriceVersionRow[]) => pending[index]?.resolve(rows),
  };
}

const latest = (catalog: Awaited<ReturnType<typeof createPriceCatalog>>) =>
  catalog.book().versions().at(-1)?.version ?? null;

afterEach(() => vi.useRealTimers());

describe('createPriceCatalog', () => {
  it('keeps the newest read when an older reload answers last', async () => {
    const repo = heldRepository();
    const catalog = await createPriceCatalog({ prices: repo.prices, refreshMs: 0 });
    repo.hold();
    const older = catalog.reload();
    const newer = catalog.reload();
    repo.answer(1, [version(1), version(2)]);
    await newer;
    expect(latest(catalog)).toBe(2);
    repo.answer(0, [version(1)]);
    await older;
    expect(latest(catalog)).toBe(2);
  });

  it('re-reads the store on its own every refreshMs until closed', async () => {
    vi.useFakeTimers();
    let rows: PriceVersionRow[] = [];
    const prices: PriceRepository = {
      list: async () => rows,
      append: () => Promise.reject(new Error('not used')),
      get: () => Promise.reject(new Error('not used')),
    };
    const catalog = await createPriceCatalog({ prices, refreshMs: 1000 });
    rows = [version(1)];
    await vi.advanceTimersByTimeAsync(999);
    expect(latest(catalog)).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(latest(catalog)).toBe(1);
    catalog.close();
    rows = [version(1), version(2)];
    await vi.advanceTimersByTimeAsync(5000);
    expect(latest(catalog)).toBe(1);
  });
});
