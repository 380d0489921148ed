import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExitCode } from './cli-error.js';
import { serverUrl } from './client.js';
import { type CliIo, nodeIo } from './io.js';
import { buildProgram } from './program.js';
import { reportError } from './report-error.js';

/**
 * Runs the CLI on `argv` (the arguments after the program name) and resolves with the exit
 * code: 0 ok, 1 failure (server errors print their code and message), 2 usage error.
 */
export async function runCli(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const fullIo: CliIo = { ...nodeIo(), ...io };
  const program = buildProgram(fullIo);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof ExitCode) return error.code;
    const globals = program.opts<{ url?: string }>();
    return reportError(error, fullIo.stderr, serverUrl(globals, fullIo));
  }
}

function isMainModule(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  process.exitCode = await runCli(process.argv.slice(2));
}
