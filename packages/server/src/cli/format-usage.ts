import type { UsageSummary, UsageTotals } from '@ragline/sdk';
import Table from 'cli-table3';

const PLAIN_STYLE = { head: [] as string[], border: [] as string[] };
const NUMBER_COLUMNS = ['requests', 'input tokens', 'cached', 'output tokens', 'reasoning', 'cost (USD)'];

/** A table of the groups and a totals row; costs exact to the micro-dollar, as the server sent them. */
export function formatUsageSummary(summary: UsageSummary): string {
  const window = `${summary.from} to ${summary.to}`;
  const scope = `tenant ${summary.tenant}${summary.key ? `, key ${summary.key}` : ''}`;
  const priced = summary.priceVersion !== null ? `, costs under price version ${summary.priceVersion}` : '';
  const title = `Usage ${window} (${scope}${priced})\n`;
  if (summary.totals.requests === 0) return `${title}No metered calls.\n`;
  const dimensions = summary.groupBy;
  const table = new Table({
    head: [...dimensions, ...NUMBER_COLUMNS],
    style: PLAIN_STYLE,
    colAligns: [...dimensions.map(() => 'left' as const), ...NUMBER_COLUMNS.map(() => 'right' as const)],
  });
  for (const group of summary.groups) {
    table.push([...dimensions.map((dimension) => group[dimension] ?? '-'), ...figures(group)]);
  }
  if (dimensions.length > 0) {
    table.push([...dimensions.map((_, i) => (i === 0 ? 'total' : '')), ...figures(summary.totals)]);
  }
  const notes = [
    summary.totals.estimatedRequests > 0 &&
      `${summary.totals.estimatedRequests} of the calls have estimated token counts`,
    summary.totals.unpricedRequests > 0 && `${summary.totals.unpricedRequests} matched no price and count $0`,
  ].filter(Boolean);
  return `${title}${table.toString()}\n${notes.map((note) => `Note: ${note}.\n`).join('')}`;
}

function figures(totals: UsageTotals): string[] {
  return [
    count(totals.requests),
    count(totals.inputTokens),
    count(totals.cachedInputTokens),
    count(totals.outputTokens),
    count(totals.reasoningTokens),
    `$${totals.cost}`,
  ];
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}
