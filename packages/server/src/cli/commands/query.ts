import type { RetrievalMode } from '@ragline/sdk';
import { type Command, Option } from 'commander';
import { createClient, type GlobalOptions } from '../client.js';
import { formatQueryResults } from '../format.js';
import type { CliIo } from '../io.js';
import { parseJsonObject, parsePositiveInt } from '../parse-options.js';

interface QueryOptions {
  collection: string;
  mode?: RetrievalMode;
  topK?: number;
  filter?: Record<string, unknown>;
  json?: boolean;
}

export function registerQuery(program: Command, io: CliIo): void {
  program
    .command('query')
    .description('search a collection and print the best chunks')
    .argument('<text>', 'what to search for')
    .requiredOption('-c, --collection <name>', 'collection to search')
    .addOption(
      new Option('--mode <mode>', 'retrieval mode (default: hybrid with an embedder, else lexical)').choices([
        'dense',
        'lexical',
        'hybrid',
      ]),
    )
    .option('-k, --top-k <n>', 'number of results (default 10)', parsePositiveInt)
    .option(
      '--filter <json>',
      'metadata filter, e.g. \'{"lang":"en","year":{"$gte":2024}}\'',
      parseJsonObject,
    )
    .option('--json', 'print the raw response as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  $ ragline query "how do I rotate keys" -c handbook -k 5 --filter '{"team":"ops"}'`,
    )
    .action(async (text: string, options: QueryOptions, command: Command) => {
      const client = createClient(command.optsWithGlobals<GlobalOptions>(), io);
      const response = await client.retrieval.query(options.collection, {
        query: text,
        mode: options.mode,
        topK: options.topK,
        filter: options.filter,
      });
      io.stdout.write(
        options.json
          ? `${JSON.stringify(response, null, 2)}\n`
          : formatQueryResults(response, io.stdout.columns),
      );
    });
}
