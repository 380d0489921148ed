import { describe, expect, it } from 'vitest';
import type { PriceVersionRow } from '../../ports/cost-repositories.js';
import { createPriceBook } from './price-book.js';

const row = (
  version: number,
  effectiveFrom: string,
  entries: PriceVersionRow['entries'],
): PriceVersionRow => ({
  version,
  effectiveFrom,
  entries,
  source: 'api',
  note: null,
  createdAt: effectiveFrom,
  createdBy: null,
});

const book = createPriceBook([
  row(1, '2026-01-01T00:00:00Z', [
    { model: 'llama-3.1-8b', inputPerMillionMicros: 100_000, outputPerMillionMicros: 200_000 },
    { target: 'vllm-a100-1', gpuHourMicros: 2_000_000 },
  ]),
  row(2, '2026-06-01T00:00:00Z', [
    { model: 'llama-3.1-8b', inputPerMillionMicros: 50_000, outputPerMillionMicros: 100_000 },
  ]),
]);

describe('price book', () => {
  it('uses the version in force at the time of the call', () => {
    expect(book.priceFor({ model: 'llama-3.1-8b' }, { atMs: Date.parse('2026-03-01') })?.version).toBe(1);
    expect(
      book.priceFor({ model: 'llama-3.1-8b' }, { atMs: Date.parse('2026-07-01') })?.entry
        .inputPerMillionMicros,
    ).toBe(50_000);
    expect(book.priceFor({ model: 'llama-3.1-8b' }, { atMs: Date.parse('2025-12-31') })).toBeNull();
  });

  it('prefers a target entry over the model entry', () => {
    const match = book.priceFor(
      { target: 'vllm-a100-1', model: 'llama-3.1-8b' },
      { atMs: Date.parse('2026-03-01') },
    );
    expect(match?.entry.gpuHourMicros).toBe(2_000_000);
    const other = book.priceFor(
      { target: 'vllm-a100-2', model: 'llama-3.1-8b' },
      { atMs: Date.parse('2026-03-01') },
    );
    expect(other?.entry.inputPerMillionMicros).toBe(100_000);
  });

  it('prices with an explicit version for recomputation', () => {
    expect(book.priceFor({ model: 'llama-3.1-8b' }, { version: 2 })?.entry.outputPerMillionMicros).toBe(
      100_000,
    );
    expect(book.priceFor({ model: 'unknown' }, { version: 2 })).toBeNull();
    expect(book.priceFor({ model: 'llama-3.1-8b' }, { version: 9 })).toBeNull();
  });
});
