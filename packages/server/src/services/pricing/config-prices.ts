import { parse } from 'yaml';
import { formatZodIssues } from '../gateway/config-schema.js';
import { type ParsedPriceBook, priceBookInputSchema } from './price-book-input.js';

/** An invalid `prices:` section; `issues` has one line per problem, each naming its path (`prices[1].input: ...`). */
export class PriceConfigError extends Error {
  override readonly name = 'PriceConfigError';
  constructor(readonly issues: string[]) {
    super(`invalid prices configuration:\n${issues.map((i) => `  ${i}`).join('\n')}`);
  }
}

/**
 * The `prices:` section of the config file (RAGLINE_CONFIG), next to the gateway's targets, pools and
 * routes. Either a list of entries or `{ effectiveFrom?, note?, entries }`, the body of
 * `POST /v1/prices`. Null when the file has no such section: that instance then leaves the stored
 * price book alone. `targetIds` are the file's targets; an entry naming another target is a typo.
 */
export function loadConfigPrices(yamlText: string, targetIds: readonly string[]): ParsedPriceBook | null {
  let raw: unknown;
  try {
    raw = parse(yamlText);
  } catch (error) {
    throw new PriceConfigError([`YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  return parseConfigPrices(raw, targetIds);
}

/** The same for an already-decoded file (JSON, a test fixture). */
export function parseConfigPrices(file: unknown, targetIds: readonly string[]): ParsedPriceBook | null {
  if (file === null || typeof file !== 'object' || !('prices' in file)) return null;
  const section = (file as { prices: unknown }).prices;
  const listed = Array.isArray(section);
  const parsed = priceBookInputSchema.safeParse(listed ? { entries: section } : section);
  if (!parsed.success) {
    // A plain list is reported as the user wrote it: prices[2].input, not prices.entries[2].input.
    const error = listed
      ? { ...parsed.error, issues: parsed.error.issues.map((i) => ({ ...i, path: i.path.slice(1) })) }
      : parsed.error;
    throw new PriceConfigError(formatZodIssues(error as typeof parsed.error, ['prices']));
  }
  const known = new Set(targetIds);
  const entriesPath = listed ? 'prices' : 'prices.entries';
  const unknown = parsed.data.entries.flatMap((entry, index) =>
    entry.target !== undefined && !known.has(entry.target)
      ? [`${entriesPath}[${index}].target: "${entry.target}" is not a target in this file`]
      : [],
  );
  if (unknown.length > 0) throw new PriceConfigError(unknown);
  return parsed.data;
}
