import { USAGE_DIMENSIONS, type UsageDimension } from '@ragline/sdk/contracts';
import { type Command, InvalidArgumentError } from 'commander';
import { createClient, type GlobalOptions } from '../client.js';
import { formatUsageSummary } from '../format-usage.js';
import type { CliIo } from '../io.js';
import { parsePositiveInt } from '../parse-options.js';

interface UsageOptions {
  since: string;
  until?: string;
  groupBy?: UsageDimension[];
  key?: string;
  tenant?: string;
  priceVersion?: number;
  csv?: boolean;
  json?: boolean;
}

/** `--group-by model --group-by day` or `--group-by model,day`. */
function collectDimensions(value: string, previous: UsageDimension[] | undefined): UsageDimension[] {
  const out = [...(previous ?? [])];
  for (const part of value.split(',').map((p) => p.trim())) {
    if (!(USAGE_DIMENSIONS as readonly string[]).includes(part)) {
      throw new InvalidArgumentError(`"${part}" is not one of ${USAGE_DIMENSIONS.join(', ')}`);
    }
    if (!out.includes(part as UsageDimension)) out.push(part as UsageDimension);
  }
  return out;
}

export function registerUsage(program: Command, io: CliIo): void {
  program
    .command('usage')
    .description('print metered calls, tokens and exact costs, grouped (admin keys see the whole tenant)')
    .option('--since <time>', 'start: a duration back from now (30m, 24h, 7d) or an ISO date or time', '7d')
    .option('--until <time>', 'end (exclusive; a date alone includes that day), default now')
    .option(
      '--group-by <dimension>',
      `${USAGE_DIMENSIONS.join(', ')}; repeat or comma-separate for more`,
      collectDimensions,
    )
    .option('--key <id>', 'one API key of the tenant (admin keys)')
    .option('--tenant <tenant>', 'another tenant (admin keys)')
    .option('--price-version <n>', 'costs recomputed under this price version', parsePositiveInt)
    .option('--csv', 'print CSV (a header row, one row per group)')
    .option('--json', 'print the raw response as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ ragline usage --since 7d --group-by model\n' +
        '  $ ragline usage --since 2026-03-01 --until 2026-03-31 --group-by key --group-by day --csv > march.csv',
    )
    .action(async (options: UsageOptions, command: Command) => {
      const client = createClient(command.optsWithGlobals<GlobalOptions>(), io);
      const params = {
        from: options.since,
        ...(options.until !== undefined && { to: options.until }),
        ...(options.groupBy && { groupBy: options.groupBy }),
        ...(options.key !== undefined && { key: options.key }),
        ...(options.tenant !== undefined && { tenant: options.tenant }),
        ...(options.priceVersion !== undefined && { priceVersion: options.priceVersion }),
      };
      if (options.csv) {
        io.stdout.write(await client.usage.csv(params));
        return;
      }
      const summary = await client.usage.summary(params);
      io.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatUsageSummary(summary));
    });
}
