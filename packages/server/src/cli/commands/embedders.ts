import type { Command } from 'commander';
import { createClient, type GlobalOptions } from '../client.js';
import type { CliIo } from '../io.js';

export function registerEmbedders(program: Command, io: CliIo): void {
  program
    .command('embedders')
    .description('list the embedders the server has configured')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { data } = await createClient(command.optsWithGlobals<GlobalOptions>(), io).embedders.list();
      if (options.json) {
        io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
        return;
      }
      if (data.length === 0) io.stdout.write('No embedders configured: collections are lexical only.\n');
      for (const e of data) {
        const state = e.available ? 'available' : `unavailable${e.reason ? `: ${e.reason}` : ''}`;
        io.stdout.write(`${e.name}  ${e.kind}  ${e.model}  ${e.dimensions ?? '?'} dims  ${state}\n`);
      }
    });
}
