import type { CurrentPrices, PriceEntry, PriceVersion } from '@ragline/sdk';
import Table from 'cli-table3';

const PLAIN_STYLE = { head: [] as string[], border: [] as string[] };

/** A dollar string from the server ("2.500000") without the zeros that say nothing ("$2.50"). */
function dollars(text: string | undefined): string {
  if (text === undefined) return '-';
  return `$${text.replace(/(\.\d\d\d*?)0+$/, '$1')}`;
}

function match(entry: PriceEntry): string {
  if (entry.target !== undefined) return `target ${entry.target}`;
  return `model ${entry.model ?? '?'}`;
}

/** One version as a table: token prices per million tokens, GPU prices per GPU-hour. */
export function formatPriceVersion(prices: CurrentPrices | PriceVersion): string {
  if (prices.version === null) {
    return 'No price version is in force. Set one with "ragline prices set <file>" or the config file\'s prices: section.\n';
  }
  const note = prices.note ? ` - ${prices.note}` : '';
  const header = `Price version ${prices.version} (${prices.source}), effective from ${prices.effectiveFrom}${note}\n`;
  if (prices.entries.length === 0) return `${header}No entries: every call is unpriced.\n`;
  const table = new Table({
    head: ['match', 'input /1M', 'cached /1M', 'output /1M', 'reasoning /1M', 'gpu-hour', 'gpus'],
    style: PLAIN_STYLE,
  });
  for (const entry of prices.entries) {
    const byGpu = entry.gpuHour !== undefined;
    table.push([
      match(entry) + (entry.target !== undefined && entry.model !== undefined ? ` (${entry.model})` : ''),
      dollars(entry.input),
      byGpu ? '-' : dollars(entry.cachedInput ?? entry.input),
      dollars(entry.output),
      byGpu ? '-' : dollars(entry.reasoning ?? entry.output),
      dollars(entry.gpuHour),
      byGpu ? String(entry.gpus ?? 1) : '-',
    ]);
  }
  return `${header}${table.toString()}\n`;
}

export function formatPriceVersions(versions: PriceVersion[]): string {
  if (versions.length === 0) return 'No price versions.\n';
  const table = new Table({
    head: ['version', 'effective from', 'source', 'entries', 'created', 'by', 'note'],
    style: PLAIN_STYLE,
  });
  for (const v of versions) {
    table.push([
      String(v.version),
      v.effectiveFrom,
      v.source,
      String(v.entries.length),
      v.createdAt,
      v.createdBy ?? '-',
      v.note ?? '',
    ]);
  }
  return `${table.toString()}\n`;
}
