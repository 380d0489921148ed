import { type Command, InvalidArgumentError, Option } from 'commander';
import { createClient, type GlobalOptions } from '../client.js';
import { formatBudgetAlerts, formatBudgets } from '../format-budgets.js';
import type { CliIo } from '../io.js';
import { parsePositiveInt } from '../parse-options.js';

interface CreateBudgetOptions {
  period: 'day' | 'month';
  limit: string;
  mode: 'hard' | 'soft';
  key?: string;
  name?: string;
  json?: boolean;
}

function parseDollars(value: string): string {
  if (!/^\$?\d+(\.\d+)?$/.test(value.trim())) {
    throw new InvalidArgumentError('must be an amount of dollars, e.g. 25 or 0.50');
  }
  return value.trim();
}

export function registerBudgets(program: Command, io: CliIo): void {
  const budgets = program
    .command('budgets')
    .description("your tenant's spending budgets (creating one needs an admin key)");

  budgets
    .command('list')
    .description('list the budgets with what they spent, reserved and have left this period')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { data } = await createClient(command.optsWithGlobals<GlobalOptions>(), io).budgets.list();
      io.stdout.write(options.json ? `${JSON.stringify(data, null, 2)}\n` : formatBudgets(data));
    });

  budgets
    .command('create')
    .description('create a budget for your tenant, or for one of its keys')
    .addOption(
      new Option('--period <period>', 'UTC day or calendar month')
        .choices(['day', 'month'])
        .makeOptionMandatory(),
    )
    .requiredOption('--limit <dollars>', 'the limit in dollars, e.g. 25 or 0.50', parseDollars)
    .addOption(
      new Option('--mode <mode>', 'hard: refuse calls (402); soft: record an alert')
        .choices(['hard', 'soft'])
        .default('hard'),
    )
    .option('--key <keyId>', 'count only this API key (default: the whole tenant)')
    .option('--name <name>', 'a label for the budget')
    .option('--json', 'print the budget as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ ragline budgets create --period month --limit 500\n' +
        '  $ ragline budgets create --period day --limit 5 --mode soft --key key_0123 --name ci-daily',
    )
    .action(async (options: CreateBudgetOptions, command: Command) => {
      const budget = await createClient(command.optsWithGlobals<GlobalOptions>(), io).budgets.create({
        period: options.period,
        limit: options.limit,
        mode: options.mode,
        ...(options.key && { keyId: options.key }),
        ...(options.name && { name: options.name }),
      });
      if (options.json) {
        io.stdout.write(`${JSON.stringify(budget, null, 2)}\n`);
        return;
      }
      io.stdout.write(
        `Created ${budget.mode} ${budget.period === 'day' ? 'daily' : 'monthly'} budget ${budget.id} ` +
          `of $${budget.limit} for ${budget.scope === 'key' ? `key ${budget.keyId}` : 'the tenant'} ` +
          `($${budget.spent} spent so far this period).\n`,
      );
    });

  budgets
    .command('alerts')
    .description('soft budgets crossed and hard budgets that refused calls, newest first')
    .option('--since <time>', 'ISO date or time, e.g. 2026-05-01')
    .option('--budget <id>', "one budget's alerts")
    .option('--limit <n>', 'at most this many (default 100)', parsePositiveInt)
    .option('--json', 'print JSON')
    .action(
      async (
        options: { since?: string; budget?: string; limit?: number; json?: boolean },
        command: Command,
      ) => {
        const { data } = await createClient(command.optsWithGlobals<GlobalOptions>(), io).budgets.alerts({
          ...(options.since && { since: options.since }),
          ...(options.budget && { budgetId: options.budget }),
          ...(options.limit && { limit: options.limit }),
        });
        io.stdout.write(options.json ? `${JSON.stringify(data, null, 2)}\n` : formatBudgetAlerts(data));
      },
    );
}
