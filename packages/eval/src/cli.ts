import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderConsoleReport } from './reports/console-report.js';
import { renderJsonReport } from './reports/json-report.js';
import { renderJunitReport } from './reports/junit-report.js';
import { renderMarkdownReport } from './reports/markdown-report.js';
import type { EvalRun } from './run/eval-run.js';
import { parseRun, RunParseError } from './run/parse-run.js';
import type { FetchLike } from './runner/endpoint-client.js';
import { runSuite } from './runner/run-suite.js';
import { DatasetError } from './suite/dataset.js';
import { loadSuite } from './suite/load-suite.js';
import { SuiteError } from './suite/suite-definition.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Folder that relative paths resolve against; default `process.cwd()`. */
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
  fetch?: FetchLike;
}

/** Every gate passed. */
export const EXIT_PASSED = 0;
/** A gate failed: a quality regression. */
export const EXIT_GATE_FAILED = 1;
/** Bad suite, dataset, baseline or arguments, or an unreachable target (incomplete run). */
export const EXIT_CONFIG_OR_INFRA = 2;

const USAGE =
  'usage: ragline-eval run <suite> [--baseline run.json] [--repeat K] [--json out.json] [--junit out.xml] [--markdown out.md]\n';

class UsageError extends Error {}

/** `ragline-eval` without a process: returns the exit code (0 pass, 1 gate failed, 2 configuration or infrastructure). */
export async function runEvalCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`ragline-eval: ${error.message}\n${USAGE}`);
    } else if (
      error instanceof SuiteError ||
      error instanceof DatasetError ||
      error instanceof RunParseError
    ) {
      io.stderr(`ragline-eval: ${error.message}\n`);
    } else {
      io.stderr(`ragline-eval: ${(error as Error).message ?? String(error)}\n`);
    }
    return EXIT_CONFIG_OR_INFRA;
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, suitePath, ...rest] = positionals;
  if (command !== 'run' || suitePath === undefined || rest.length > 0) {
    throw new UsageError(
      command === undefined || command === 'run' ? 'missing <suite>' : `unknown command "${command}"`,
    );
  }
  let repeats: number | undefined;
  if (values.repeat !== undefined) {
    repeats = Number(values.repeat);
    if (!Number.isInteger(repeats) || repeats < 1)
      throw new UsageError(`--repeat must be a positive integer, got "${values.repeat}"`);
  }
  const cwd = io.cwd ?? process.cwd();
  const at = (path: string) => resolve(cwd, path);

  const suite = await loadSuite(at(suitePath));
  const baseline = values.baseline === undefined ? undefined : await readBaseline(at(values.baseline));
  const result = await runSuite(suite, {
    ...(io.fetch === undefined ? {} : { fetch: io.fetch }),
    ...(baseline === undefined ? {} : { baseline }),
    ...(repeats === undefined ? {} : { repeats }),
    env: io.env ?? process.env,
  });

  if (values.json !== undefined) await writeReport(at(values.json), renderJsonReport(result));
  if (values.junit !== undefined) await writeReport(at(values.junit), renderJunitReport(result));
  if (values.markdown !== undefined) {
    await writeReport(
      at(values.markdown),
      renderMarkdownReport(result, baseline === undefined ? {} : { baseline }),
    );
  }
  io.stdout(renderConsoleReport(result));

  if (result.summary.incomplete) {
    const failed = result.cases.filter((item) => item.repeats.some((repeat) => repeat.error !== undefined));
    const first = failed[0]?.repeats.find((repeat) => repeat.error !== undefined)?.error;
    io.stderr(
      `ragline-eval: run incomplete: ${result.summary.errors} call(s) failed in ${failed.length} case(s) (${failed
        .map((item) => item.id)
        .join(', ')}); first error: ${first}\n`,
    );
    return EXIT_CONFIG_OR_INFRA;
  }
  return result.summary.passed ? EXIT_PASSED : EXIT_GATE_FAILED;
}

function parseCommandLine(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      baseline: { type: 'string' },
      repeat: { type: 'string' },
      json: { type: 'string' },
      junit: { type: 'string' },
      markdown: { type: 'string' },
    },
  });
}

async function readBaseline(path: string): Promise<EvalRun> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read baseline (${(error as Error).message})`);
  }
  try {
    return parseRun(text);
  } catch (error) {
    if (error instanceof RunParseError) throw new Error(`${path}: ${error.message}`);
    throw error;
  }
}

async function writeReport(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, 'utf8');
}

function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
}
