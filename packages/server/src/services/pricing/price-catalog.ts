import type { PriceRepository } from '../../ports/cost-repositories.js';
import type { Logger } from '../../ports/logger.js';
import { createPriceBook, type PriceBook } from './price-book.js';

/** The price book in memory for the hot path, reloaded from the store after changes. */
export interface PriceCatalog {
  /** The book as last loaded (synchronous: metering reads it on every call). */
  book(): PriceBook;
  /** Re-reads every version from the store. */
  reload(): Promise<void>;
  /** Stops the periodic reload. */
  close(): void;
}

export async function createPriceCatalog(deps: {
  prices: PriceRepository;
  logger?: Logger;
  /** Re-read the store this often, so other instances' changes arrive (default 30 s; 0 = never). */
  refreshMs?: number;
}): Promise<PriceCatalog> {
  let current = createPriceBook(await deps.prices.list());
  // Reloads may overlap (the timer's and an API change's); a read that started earlier must not
  // replace the book a later one already installed.
  let started = 0;
  let installed = 0;
  const reload = async () => {
    const mine = ++started;
    const rows = await deps.prices.list();
    if (mine < installed) return;
    installed = mine;
    current = createPriceBook(rows);
  };
  const refreshMs = deps.refreshMs ?? 30_000;
  const timer =
    refreshMs > 0
      ? setInterval(() => {
          reload().catch((error: unknown) =>
            deps.logger?.warn('price book reload failed', { error: String(error) }),
          );
        }, refreshMs)
      : undefined;
  timer?.unref?.();
  return {
    book: () => current,
    reload,
    close: () => clearInterval(timer),
  };
}
