import type { AnswerRequest, AnswerResponse, RetrievalMode } from '@ragline/sdk';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../cli-error.js';
import { createClient, type GlobalOptions } from '../client.js';
import { formatAnswer, formatAnswerBanner, formatAnswerFooter, formatCitations } from '../format-answer.js';
import type { CliIo } from '../io.js';
import { parseJsonObject, parsePositiveInt } from '../parse-options.js';

interface AnswerOptions {
  release?: string;
  collection?: string;
  prompt?: { name: string; version?: number };
  label?: string;
  model?: string;
  mode?: RetrievalMode;
  topK?: number;
  filter?: Record<string, unknown>;
  var?: Record<string, string>;
  vars?: Record<string, unknown>;
  maxTokens?: number;
  extractive?: boolean;
  stream?: boolean;
  json?: boolean;
}

/** `support-bot` or `support-bot@3`. */
function parsePromptRef(value: string): { name: string; version?: number } {
  const at = value.lastIndexOf('@');
  if (at === -1) return { name: value };
  const name = value.slice(0, at);
  const version = Number(value.slice(at + 1));
  if (!name || !Number.isInteger(version) || version < 1) {
    throw new InvalidArgumentError('must be <name> or <name>@<version>, e.g. support-bot@3');
  }
  return { name, version };
}

/** `--var tone=friendly --var audience=admins`. */
function collectVariable(
  value: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq < 1) throw new InvalidArgumentError('must be <name>=<value>');
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

function requestOf(question: string, options: AnswerOptions): Omit<AnswerRequest, 'stream'> {
  const variables = options.vars || options.var ? { ...options.vars, ...options.var } : undefined;
  const common = {
    question,
    ...(variables && { variables }),
    ...(options.maxTokens !== undefined && { maxTokens: options.maxTokens }),
    ...(options.extractive && { mode: 'extractive' as const }),
  };
  if (options.release !== undefined) {
    for (const [flag, value] of Object.entries({
      '--collection': options.collection,
      '--prompt': options.prompt,
      '--model': options.model,
      '--mode': options.mode,
      '--top-k': options.topK,
      '--filter': options.filter,
    })) {
      if (value !== undefined) throw new UsageError(`${flag} cannot be used with --release, which pins it`);
    }
    return { release: options.release, ...common };
  }
  if (options.collection === undefined)
    throw new UsageError('give --release, or --collection (with --prompt)');
  if (!options.prompt && options.model !== undefined) {
    throw new UsageError('--model needs --prompt <name[@version]>');
  }
  const retrieval =
    options.mode || options.topK || options.filter
      ? {
          ...(options.mode && { mode: options.mode }),
          ...(options.topK && { topK: options.topK }),
          ...(options.filter && { filter: options.filter }),
        }
      : undefined;
  return {
    collection: options.collection,
    ...(options.prompt && {
      prompt: { ...options.prompt, ...(options.label !== undefined && { label: options.label }) },
    }),
    ...(options.model !== undefined && { model: options.model }),
    ...(retrieval && { retrieval }),
    ...common,
  };
}

export function registerAnswer(program: Command, io: CliIo): void {
  program
    .command('answer')
    .description(
      'answer a question from your documents, with citations (a release, or a collection and prompt)',
    )
    .argument('<question>', 'the question')
    .option('-r, --release <id-or-label>', 'the release to answer with, e.g. production')
    .option('-c, --collection <name>', 'without a release: the collection to search')
    .option(
      '-p, --prompt <name[@version]>',
      'without a release: the prompt (default label latest)',
      parsePromptRef,
    )
    .option('--label <label>', 'with --prompt: the prompt label to use, e.g. staging')
    .option(
      '-m, --model <route>',
      "without a release: the gateway route (default: the prompt's model config)",
    )
    .addOption(
      new Option('--mode <mode>', 'without a release: the retrieval mode').choices([
        'dense',
        'lexical',
        'hybrid',
      ]),
    )
    .option('-k, --top-k <n>', 'without a release: passages to retrieve (default 8)', parsePositiveInt)
    .option('--filter <json>', 'without a release: metadata filter', parseJsonObject)
    .option('--var <name=value>', 'a prompt variable (repeatable)', collectVariable)
    .option('--vars <json>', 'prompt variables as a JSON object', parseJsonObject)
    .option('--max-tokens <n>', "the answer's max tokens", parsePositiveInt)
    .option('--extractive', 'no model: answer with the best passages as they are')
    .option('--stream', 'print the answer as it is written')
    .option('--json', 'print the raw response as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ ragline answer "how do I rotate keys?" --release production
  $ ragline answer "how do I rotate keys?" --release production --stream
  $ ragline answer "how do I rotate keys?" -c handbook -p support-bot@3 -m gpt-4o-mini
  $ ragline answer "how do I rotate keys?" -c handbook     # no prompt: the best passages (extractive)`,
    )
    .action(async (question: string, options: AnswerOptions, command: Command) => {
      if (options.stream && options.json) throw new UsageError('--stream and --json cannot be combined');
      const client = createClient(command.optsWithGlobals<GlobalOptions>(), io);
      const request = requestOf(question, options);
      if (!options.stream) {
        const response = await client.answer.create(request);
        io.stdout.write(
          options.json ? `${JSON.stringify(response, null, 2)}\n` : formatAnswer(response, io.stdout.columns),
        );
        return;
      }
      await printStream(client, request, io);
    });
}

async function printStream(
  client: ReturnType<typeof createClient>,
  request: Omit<AnswerRequest, 'stream'>,
  io: CliIo,
): Promise<void> {
  let head: Pick<AnswerResponse, 'mode' | 'extractiveReason' | 'model' | 'release' | 'prompt'> | undefined;
  let citations: AnswerResponse['citations'] = [];
  for await (const event of await client.answer.stream(request)) {
    switch (event.type) {
      case 'citations':
        head = event;
        citations = event.citations;
        io.stdout.write(formatAnswerBanner(event));
        break;
      case 'token':
        io.stdout.write(event.text);
        break;
      case 'done': {
        const cited = new Set(event.cited);
        io.stdout.write('\n');
        io.stdout.write(
          formatCitations(
            citations.map((c) => ({ ...c, cited: cited.has(c.ref) })),
            io.stdout.columns,
          ),
        );
        if (head) io.stdout.write(formatAnswerFooter(head, event.usage, event.cost));
        break;
      }
      case 'error':
        io.stdout.write('\n');
        throw new Error(
          `the answer failed after it began (${event.error.code}): ${event.error.message} ` +
            `(request id ${event.error.requestId})`,
        );
    }
  }
}
