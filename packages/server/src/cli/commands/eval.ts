import { runEvalCli } from '@ragline/eval';
import type { Command } from 'commander';
import { ExitCode } from '../cli-error.js';
import type { CliIo } from '../io.js';

/**
 * `ragline eval <args...>`: the `@ragline/eval` CLI (`run <suite> [--baseline ...] [--json ...]`), with its
 * exit code (0 pass, 1 gate failed, 2 configuration or infrastructure error). `--api-key` is passed on as
 * RAGLINE_API_KEY (the default key variable of server targets).
 */
export function registerEval(program: Command, io: CliIo): void {
  program
    .command('eval')
    .description('run an evaluation suite (ragline eval run <suite>; exit 0 pass, 1 gate failed, 2 error)')
    .argument('[args...]', 'arguments of ragline-eval, e.g. run suite.yaml --json run.json')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (args: string[]) => {
      const globals = program.opts<{ apiKey?: string }>();
      const env = { ...io.env, ...(globals.apiKey ? { RAGLINE_API_KEY: globals.apiKey } : {}) };
      const fetch = io.clientOptions.fetch;
      const code = await runEvalCli(args, {
        stdout: (text) => io.stdout.write(text),
        stderr: (text) => io.stderr.write(text),
        cwd: io.cwd,
        env,
        ...(fetch ? { fetch: (input, init) => fetch(input, init) } : {}),
      });
      if (code !== 0) throw new ExitCode(code);
    });
}
