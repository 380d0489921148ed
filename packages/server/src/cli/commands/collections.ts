import type { Command } from 'commander';
import { createClient, type GlobalOptions } from '../client.js';
import { resolveEmbedder } from '../ensure-collection.js';
import { formatCollections } from '../format.js';
import type { CliIo } from '../io.js';

export function registerCollections(program: Command, io: CliIo): void {
  const collections = program.command('collections').description('list, create and delete collections');

  collections
    .command('list')
    .description('list the collections of your tenant')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { data } = await createClient(command.optsWithGlobals<GlobalOptions>(), io).collections.list();
      io.stdout.write(options.json ? `${JSON.stringify(data, null, 2)}\n` : formatCollections(data));
    });

  collections
    .command('create')
    .description('create a collection (succeeds when it already exists with the same embedder)')
    .argument('<name>', 'lowercase letters, digits, "-" and "_"')
    .option('--embedder <name>', 'embedder name, or "none" for lexical only (default: first available)')
    .option('--description <text>', 'free text')
    .option('--json', 'print JSON')
    .action(
      async (
        name: string,
        options: { embedder?: string; description?: string; json?: boolean },
        command: Command,
      ) => {
        const client = createClient(command.optsWithGlobals<GlobalOptions>(), io);
        const collection = await client.collections.create({
          name,
          embedder: await resolveEmbedder(client, options.embedder),
          description: options.description,
        });
        io.stdout.write(
          options.json
            ? `${JSON.stringify(collection, null, 2)}\n`
            : `Collection "${collection.name}" ready (embedder: ${collection.embedder ?? 'none'}).\n`,
        );
      },
    );

  collections
    .command('delete')
    .description('delete a collection with all its documents')
    .argument('<name>', 'collection name')
    .action(async (name: string, _options: unknown, command: Command) => {
      await createClient(command.optsWithGlobals<GlobalOptions>(), io).collections.delete(name);
      io.stdout.write(`Deleted collection "${name}".\n`);
    });
}
