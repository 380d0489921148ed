import { Command } from 'commander';
import { DEFAULT_URL } from './client.js';
import { registerAnswer } from './commands/answer.js';
import { registerBudgets } from './commands/budgets.js';
import { registerCollections } from './commands/collections.js';
import { registerEmbedders } from './commands/embedders.js';
import { registerEval } from './commands/eval.js';
import { registerIngest } from './commands/ingest.js';
import { registerKeys } from './commands/keys.js';
import { registerModels } from './commands/models.js';
import { registerPrices } from './commands/prices.js';
import { registerPrompts } from './commands/prompts.js';
import { registerQuery } from './commands/query.js';
import { registerReleases } from './commands/releases.js';
import { registerServe } from './commands/serve.js';
import { registerUsage } from './commands/usage.js';
import type { CliIo } from './io.js';

export const CLI_VERSION = '0.1.0';

/** A fresh program per run: commander keeps parsed state on the instance. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('ragline')
    .description('Ragline: ingest documents and search them, from the command line')
    .version(CLI_VERSION, '-V, --version')
    .option('--url <url>', `server URL (env RAGLINE_URL, default ${DEFAULT_URL})`)
    .option('--api-key <key>', 'API key (env RAGLINE_API_KEY)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Getting started:
  $ ragline serve                          # prints where the generated admin key was written
  $ export RAGLINE_API_KEY=...             # the admin key, or one from "ragline keys create"
  $ ragline ingest docs -c handbook --create
  $ ragline query "how do I deploy" -c handbook`,
    );

  // Settings above are copied to each subcommand as it is created, so they come first.
  registerServe(program, io);
  registerIngest(program, io);
  registerQuery(program, io);
  registerAnswer(program, io);
  registerReleases(program, io);
  registerModels(program, io);
  registerCollections(program, io);
  registerKeys(program, io);
  registerBudgets(program, io);
  registerPrices(program, io);
  registerPrompts(program, io);
  registerUsage(program, io);
  registerEmbedders(program, io);
  registerEval(program, io);
  return program;
}
