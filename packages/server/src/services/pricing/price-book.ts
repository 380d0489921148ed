import type { PriceEntry, PriceVersionRow } from '../../ports/cost-repositories.js';

export interface PriceMatch {
  entry: PriceEntry;
  version: number;
}

/**
 * The price book as loaded in memory: every version, the one in force at a time, and the entry for a
 * call. A target entry wins over a model entry, so a self-hosted replica priced per GPU-hour is not
 * priced by the token rate of the model it happens to serve.
 */
export interface PriceBook {
  versions(): readonly PriceVersionRow[];
  /** The version in force at `atMs`: the highest whose effectiveFrom <= atMs; null before the first. */
  versionAt(atMs: number): PriceVersionRow | null;
  /** The entry for a call in force at `atMs` (or in `version`, for recomputation). */
  priceFor(
    call: { target?: string | null; model: string },
    at: { atMs: number } | { version: number },
  ): PriceMatch | null;
}

export function createPriceBook(rows: readonly PriceVersionRow[]): PriceBook {
  const sorted = [...rows].sort((a, b) => a.version - b.version);
  const effective = sorted.map((row) => ({ row, fromMs: Date.parse(row.effectiveFrom) }));
  const byVersion = new Map(sorted.map((row) => [row.version, row]));

  const versionAt = (atMs: number): PriceVersionRow | null => {
    let found: PriceVersionRow | null = null;
    // Later versions win among those already effective; a version may take effect before an older one.
    for (const { row, fromMs } of effective) {
      if (fromMs <= atMs && (found === null || row.version > found.version)) found = row;
    }
    return found;
  };

  return {
    versions: () => sorted,
    versionAt,
    priceFor(call, at) {
      const row = 'version' in at ? (byVersion.get(at.version) ?? null) : versionAt(at.atMs);
      if (!row) return null;
      const entry = entryFor(row.entries, call);
      return entry ? { entry, version: row.version } : null;
    },
  };
}

export function entryFor(
  entries: readonly PriceEntry[],
  call: { target?: string | null; model: string },
): PriceEntry | null {
  if (call.target) {
    const byTarget = entries.find((e) => e.target === call.target);
    if (byTarget) return byTarget;
  }
  return entries.find((e) => e.target === undefined && e.model === call.model) ?? null;
}
