import type { Command } from 'commander';
import { createClient, type GlobalOptions } from '../client.js';
import type { CliIo } from '../io.js';
import { parsePositiveInt } from '../parse-options.js';

interface CreateKeyOptions {
  tenant: string;
  name?: string;
  admin?: boolean;
  allowModel?: string[];
  rpm?: number;
  tpm?: number;
  json?: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerKeys(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('manage API keys (needs an admin key)');
  keys
    .command('create')
    .description('create an API key for a tenant; the secret is printed once, only its hash is stored')
    .requiredOption('--tenant <tenant>', 'tenant of the key (created when new)')
    .option('--name <name>', 'a label for the key')
    .option('--admin', 'an admin key (can create keys)')
    .option(
      '--allow-model <pattern>',
      'a model (route or embedder name) the key may use; * matches anything; repeat for more (default: every model)',
      collect,
    )
    .option('--rpm <n>', 'requests per minute the key may make (default: no limit)', parsePositiveInt)
    .option(
      '--tpm <n>',
      'tokens per minute (prompt + max output; corrected to the real count) (default: no limit)',
      parsePositiveInt,
    )
    .option('--json', 'print the created key as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ export RAGLINE_API_KEY=$(ragline keys create --tenant acme --name ci)\n' +
        "  $ ragline keys create --tenant acme --allow-model 'llama-*' --allow-model local\n" +
        '  $ ragline keys create --tenant acme --name batch --rpm 60 --tpm 100000',
    )
    .action(async (options: CreateKeyOptions, command: Command) => {
      const client = createClient(command.optsWithGlobals<GlobalOptions>(), io);
      const created = await client.keys.create({
        tenant: options.tenant,
        name: options.name,
        admin: options.admin ?? false,
        ...(options.allowModel && { allowedModels: options.allowModel }),
        ...(options.rpm !== undefined && { rpmLimit: options.rpm }),
        ...(options.tpm !== undefined && { tpmLimit: options.tpm }),
      });
      if (options.json) {
        io.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
        return;
      }
      // The secret alone on stdout, so $(ragline keys create ...) captures just the key.
      io.stdout.write(`${created.key}\n`);
      io.stderr.write(
        `Created ${created.admin ? 'admin ' : ''}key ${created.id} for tenant "${created.tenant}"` +
          (created.allowedModels ? `, limited to the models ${created.allowedModels.join(', ')}` : '') +
          rateLimitText(created.rpmLimit, created.tpmLimit) +
          '. Store it now: it is not shown again.\n',
      );
    });
}

function rateLimitText(rpm: number | null, tpm: number | null): string {
  const limits = [rpm === null ? null : `${rpm} requests`, tpm === null ? null : `${tpm} tokens`];
  const set = limits.filter((limit) => limit !== null);
  return set.length > 0 ? `, at most ${set.join(' and ')} per minute` : '';
}
