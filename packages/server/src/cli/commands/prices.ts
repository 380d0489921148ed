import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CreatePriceVersionRequest } from '@ragline/sdk';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../cli-error.js';
import { createClient, type GlobalOptions } from '../client.js';
import { formatPriceVersion, formatPriceVersions } from '../format-prices.js';
import type { CliIo } from '../io.js';
import { parsePositiveInt } from '../parse-options.js';

interface ShowOptions {
  at?: string;
  json?: boolean;
}

interface SetOptions {
  effectiveFrom?: string;
  note?: string;
  json?: boolean;
}

export function registerPrices(program: Command, io: CliIo): void {
  const prices = program
    .command('prices')
    .description('the price book that costs calls (setting one needs an admin key)');

  prices
    .command('show')
    .description('print the prices in force now (or at --at), or one stored version')
    .argument('[version]', 'a stored version number instead of the one in force', parsePositiveInt)
    .option('--at <time>', 'ISO date or time, e.g. 2026-05-01')
    .option('--json', 'print JSON')
    .action(async (version: number | undefined, options: ShowOptions, command: Command) => {
      const client = createClient(command.optsWithGlobals<GlobalOptions>(), io);
      const shown =
        version !== undefined
          ? await client.prices.version(version)
          : await client.prices.get(options.at ? { at: options.at } : {});
      io.stdout.write(options.json ? `${JSON.stringify(shown, null, 2)}\n` : formatPriceVersion(shown));
    });

  prices
    .command('versions')
    .description('list every stored price version, oldest first')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { data } = await createClient(command.optsWithGlobals<GlobalOptions>(), io).prices.versions();
      io.stdout.write(options.json ? `${JSON.stringify(data, null, 2)}\n` : formatPriceVersions(data));
    });

  prices
    .command('set')
    .description('store a new version of the whole price book from a YAML or JSON file')
    .argument(
      '<file>',
      'a list of entries, { effectiveFrom, note, entries }, or a config file with a prices: section',
    )
    .option('--effective-from <time>', 'ISO date or time the version starts pricing calls (default: now)')
    .option('--note <text>', 'why the prices changed')
    .option('--json', 'print the stored version as JSON')
    .addHelpText(
      'after',
      '\nFile example (dollars per million tokens, or per GPU-hour):\n' +
        '  - { model: gpt-4o, input: "2.50", cachedInput: "1.25", output: "10.00" }\n' +
        '  - { target: vllm-a, gpuHour: "2.40", gpus: 2 }\n' +
        '\nExamples:\n  $ ragline prices set prices.yaml --note "July list prices"\n' +
        '  $ ragline prices set prices.json --effective-from 2026-08-01',
    )
    .action(async (file: string, options: SetOptions, command: Command) => {
      const book = await readPriceFile(resolve(io.cwd, file));
      const created = await createClient(command.optsWithGlobals<GlobalOptions>(), io).prices.create({
        ...book,
        ...(options.effectiveFrom && { effectiveFrom: options.effectiveFrom }),
        ...(options.note && { note: options.note }),
      });
      if (options.json) {
        io.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
        return;
      }
      io.stdout.write(formatPriceVersion(created));
    });
}

/** The file's book in the API's shape; the server checks the prices themselves and names bad fields. */
async function readPriceFile(path: string): Promise<CreatePriceVersionRequest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    // YAML is a superset of JSON, so one parser reads both.
    value = parseYaml(text);
  } catch (error) {
    throw new UsageError(`${path} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'prices' in value) {
    value = (value as { prices: unknown }).prices;
  }
  if (Array.isArray(value)) return { entries: value };
  if (
    value !== null &&
    typeof value === 'object' &&
    Array.isArray((value as { entries?: unknown }).entries)
  ) {
    return value as CreatePriceVersionRequest;
  }
  throw new UsageError(
    `${path} holds no prices: expected a list of entries, { entries: [...] }, or a file with a prices: section`,
  );
}
