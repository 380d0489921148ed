import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { renderConsoleReport } from './reports/console-report.js';
import { renderHtmlReport } from './reports/html-report.js';
import { renderJsonReportChunks } from './reports/json-report.js';
import { renderJunitReport } from './reports/junit-report.js';
import { renderMarkdownReport } from './reports/markdown-report.js';
import type { EvalCase, EvalRun, ScoredRun } from './run/eval-run.js';
import { parseRun, RunParseError } from './run/parse-run.js';
import type { FetchLike } from './runner/endpoint-client.js';
import { recordRun } from './runner/record-run.js';
import { readResultsFile } from './runner/results-file.js';
import { runSuiteToFile } from './runner/run-suite.js';
import { DatasetError } from './suite/dataset.js';
import { loadSuite } from './suite/load-suite.js';
import { type SuiteDefinition, SuiteError } from './suite/suite-definition.js';

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

/** Where the run cache lives unless `--cache-dir` says otherwise, relative to the working directory. */
export const DEFAULT_CACHE_DIR = '.ragline-eval-cache';

const USAGE = [
  'usage: ragline-eval run <suite> [--baseline run.json] [--repeat K] [--concurrency N] [--server URL]',
  '                        [--no-cache | --cache-dir DIR]',
  '                        [--json out.json] [--junit out.xml] [--markdown out.md] [--html out.html]',
  '                        [--record]   (store the run on the Ragline server: what lets a release be promoted)',
  '',
].join('\n');

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
  const repeats = positiveInteger(values.repeat, '--repeat');
  const concurrency = positiveInteger(values.concurrency, '--concurrency');
  if (values['no-cache'] === true && values['cache-dir'] !== undefined)
    throw new UsageError('give --no-cache or --cache-dir, not both');
  const server = values.server === undefined ? undefined : serverUrl(values.server);
  const record = values.record === true;
  const cwd = io.cwd ?? process.cwd();
  const at = (path: string) => resolve(cwd, path);

  const loaded = await loadSuite(at(suitePath));
  if (record && loaded.target.kind === 'endpoint' && server === undefined)
    throw new UsageError('--record needs --server for an endpoint target (the Ragline server to record on)');
  const suite =
    server === undefined ? loaded : withServer(loaded, server, record && loaded.target.kind === 'endpoint');
  const baseline = values.baseline === undefined ? undefined : await readBaseline(at(values.baseline));
  // The cases stream to a scratch file as they finish; the reports are written from it afterwards.
  const scratch = await mkdtemp(join(tmpdir(), 'ragline-eval-'));
  const resultsFile = join(scratch, 'results.jsonl');
  try {
    const result = await runSuiteToFile(suite, resultsFile, {
      ...(io.fetch === undefined ? {} : { fetch: io.fetch }),
      ...(baseline === undefined ? {} : { baseline }),
      ...(repeats === undefined ? {} : { repeats }),
      ...(concurrency === undefined ? {} : { concurrency }),
      cache: values['no-cache'] === true ? false : { dir: at(values['cache-dir'] ?? DEFAULT_CACHE_DIR) },
      env: io.env ?? process.env,
    });

    const jsonFile =
      values.json === undefined ? (record ? join(scratch, 'run.json') : undefined) : at(values.json);
    if (jsonFile !== undefined) {
      await writeStreamed(jsonFile, renderJsonReportChunks(result, readResultsFile(resultsFile)));
    }
    if (values.junit !== undefined) await writeReport(at(values.junit), renderJunitReport(result));
    if (values.markdown !== undefined) {
      await writeReport(
        at(values.markdown),
        renderMarkdownReport(result, baseline === undefined ? {} : { baseline }),
      );
    }
    if (values.html !== undefined) {
      // The page shows every output, so this one report holds the whole run in memory.
      const full: EvalRun = { ...result, cases: await collect(readResultsFile(resultsFile)) };
      await writeReport(at(values.html), renderHtmlReport(full, baseline === undefined ? {} : { baseline }));
    }
    io.stdout(renderConsoleReport(result));
    if (record && jsonFile !== undefined) {
      const env = io.env ?? process.env;
      const fetchImpl = io.fetch ?? ((input, init) => fetch(input, init));
      const stored = await recordRun(
        suite,
        jsonFile,
        { fetch: fetchImpl, env, where: `suite "${suite.name}"` },
        server,
      );
      io.stdout(`recorded on the server as ${stored.id} (${stored.passed ? 'passed' : 'not passed'})\n`);
    }
    return verdict(result, io);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The exit code, with the failed calls explained on stderr. */
function verdict(result: ScoredRun, io: CliIo): number {
  const failed = result.cases.filter((item) => item.repeats.some((repeat) => repeat.error !== undefined));
  const first = failed[0]?.repeats.find((repeat) => repeat.error !== undefined)?.error;
  const detail = `${result.summary.errors} call(s) failed in ${failed.length} case(s) (${failed
    .map((item) => item.id)
    .join(', ')}); first error: ${first}`;
  if (result.summary.incomplete) {
    io.stderr(`ragline-eval: run incomplete: ${detail}\n`);
    return EXIT_CONFIG_OR_INFRA;
  }
  if (failed.length > 0) io.stderr(`ragline-eval: gated with gate.operational.errorRate: ${detail}\n`);
  return result.summary.passed ? EXIT_PASSED : EXIT_GATE_FAILED;
}

function positiveInteger(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${flag} must be a positive integer, got "${text}"`);
  return value;
}

function serverUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--server must be a URL, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--server must be an http(s) URL, got "${text}"`);
  return text;
}

/**
 * `--server`: the Ragline server of the target, the judge and the embedder, whatever the suite says. An
 * endpoint target keeps its URL; `--server` then only says where `--record` stores the run (`forRecord`).
 */
function withServer(suite: SuiteDefinition, server: string, forRecord: boolean): SuiteDefinition {
  if (suite.target.kind === 'endpoint') {
    if (forRecord) return suite;
    throw new UsageError(
      `--server applies to release, prompt-model and collection targets; suite "${suite.name}" calls an endpoint (target.baseURL)`,
    );
  }
  return {
    ...suite,
    target: { ...suite.target, server },
    ...(suite.judge === undefined ? {} : { judge: { ...suite.judge, server } }),
    ...(suite.embedder === undefined ? {} : { embedder: { ...suite.embedder, server } }),
  };
}

async function collect(cases: AsyncIterable<EvalCase>): Promise<EvalCase[]> {
  const all: EvalCase[] = [];
  for await (const item of cases) all.push(item);
  return all;
}

function parseCommandLine(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      baseline: { type: 'string' },
      repeat: { type: 'string' },
      concurrency: { type: 'string' },
      server: { type: 'string' },
      'no-cache': { type: 'boolean' },
      'cache-dir': { type: 'string' },
      json: { type: 'string' },
      junit: { type: 'string' },
      markdown: { type: 'string' },
      html: { type: 'string' },
      record: { type: 'boolean' },
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

async function writeStreamed(path: string, chunks: AsyncIterable<string>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await pipeline(Readable.from(chunks), createWriteStream(path, 'utf8'));
}

function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
}
