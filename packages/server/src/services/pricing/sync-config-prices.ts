import type { Clock } from '../../ports/clock.js';
import type { PriceEntry, PriceRepository, PriceVersionRow } from '../../ports/cost-repositories.js';
import type { Logger } from '../../ports/logger.js';
import type { ParsedPriceBook } from './price-book-input.js';
import type { PriceCatalog } from './price-catalog.js';

export interface SyncConfigPricesDeps {
  prices: PriceRepository;
  clock: Clock;
  logger?: Logger;
}

/** A lost compare-and-append means another instance wrote meanwhile; this many re-reads settle it. */
const MAX_ATTEMPTS = 5;

/**
 * Makes the config file's prices a stored price-book version (source `config`), like
 * syncConfigRoutes does for routes: a new version only when the file's entries (or its explicit
 * effectiveFrom) differ from the latest config-sourced version, so restarts write nothing and a
 * version set through the API since stays in force until the file itself changes. Every write is a
 * compare-and-append on the latest version just read, so instances starting together store one
 * version. Returns the config version now stored (null: the file prices nothing and none was ever stored).
 */
export async function syncConfigPrices(
  deps: SyncConfigPricesDeps,
  book: ParsedPriceBook,
): Promise<PriceVersionRow | null> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const versions = await deps.prices.list();
    const lastConfig = versions.findLast((row) => row.source === 'config') ?? null;
    if (lastConfig ? matches(lastConfig, book) : book.entries.length === 0) return lastConfig;
    const now = deps.clock.now().toISOString();
    const written = await deps.prices.append(
      {
        effectiveFrom: book.effectiveFrom ?? now,
        entries: book.entries,
        source: 'config',
        note: book.note ?? null,
        createdAt: now,
        createdBy: null,
      },
      versions.at(-1)?.version ?? null,
    );
    if (written) {
      deps.logger?.info('config prices versioned', {
        version: written.version,
        entries: written.entries.length,
        effectiveFrom: written.effectiveFrom,
      });
      return written;
    }
  }
  throw new Error('config prices: the price book kept changing while syncing it; retry the start');
}

/**
 * Startup step for every runtime: syncs the file's `prices:` section (when it has one) and reloads
 * the in-memory catalog so the first request already sees it.
 */
export async function applyConfigPrices(
  deps: SyncConfigPricesDeps & { catalog?: PriceCatalog | undefined },
  book: ParsedPriceBook | null,
): Promise<void> {
  if (book) await syncConfigPrices(deps, book);
  await deps.catalog?.reload();
}

function matches(stored: PriceVersionRow, book: ParsedPriceBook): boolean {
  if (book.effectiveFrom !== undefined && book.effectiveFrom !== stored.effectiveFrom) return false;
  return sameEntries(stored.entries, book.entries);
}

/** Equal as sets of entries, whatever the order of entries or keys (one version prices each match once). */
export function sameEntries(a: readonly PriceEntry[], b: readonly PriceEntry[]): boolean {
  if (a.length !== b.length) return false;
  const canonical = (entries: readonly PriceEntry[]) => entries.map(canonicalEntry).sort();
  const left = canonical(a);
  const right = canonical(b);
  return left.every((entry, i) => entry === right[i]);
}

function canonicalEntry(entry: PriceEntry): string {
  const record = entry as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return JSON.stringify(keys.map((key) => [key, record[key]]));
}
