import type { Command } from 'commander';
import { createClient, type GlobalOptions } from '../client.js';
import type { CliIo } from '../io.js';

interface CreateKeyOptions {
  tenant: string;
  name?: string;
  admin?: boolean;
  json?: boolean;
}

export function registerKeys(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('manage API keys (needs an admin key)');
  keys
    .command('create')
    .description('create an API key for a tenant; the secret is printed once, only its hash is stored')
    .requiredOption('--tenant <tenant>', 'tenant of the key (created when new)')
    .option('--name <name>', 'a label for the key')
    .option('--admin', 'an admin key (can create keys)')
    .option('--json', 'print the created key as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ export RAGLINE_API_KEY=$(ragline keys create --tenant acme --name ci)',
    )
    .action(async (options: CreateKeyOptions, command: Command) => {
      const client = createClient(command.optsWithGlobals<GlobalOptions>(), io);
      const created = await client.keys.create({
        tenant: options.tenant,
        name: options.name,
        admin: options.admin ?? false,
      });
      if (options.json) {
        io.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
        return;
      }
      // The secret alone on stdout, so $(ragline keys create ...) captures just the key.
      io.stdout.write(`${created.key}\n`);
      io.stderr.write(
        `Created ${created.admin ? 'admin ' : ''}key ${created.id} for tenant "${created.tenant}". ` +
          'Store it now: it is not shown again.\n',
      );
    });
}
