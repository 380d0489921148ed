import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { UsageError } from '../cli-error.js';
import { createClient, type GlobalOptions } from '../client.js';
import { formatLabelMove, formatPromptList, formatPromptVersion, formatPushed } from '../format-prompts.js';
import type { CliIo } from '../io.js';
import { overrideOption } from '../override-option.js';
import { readPromptFile } from '../read-prompt-file.js';

interface PushOptions {
  name?: string;
  message?: string;
  json?: boolean;
}

interface ShowOptions {
  label?: string;
  json?: boolean;
}

/** `support/answer@3` -> name and version (the name may hold `/`, never `@`). */
function parseNameAtVersion(value: string): { name: string; version: number } {
  const at = value.lastIndexOf('@');
  const version = Number(value.slice(at + 1));
  if (at <= 0 || !Number.isInteger(version) || version < 1) {
    throw new InvalidArgumentError('must be <name>@<version>, e.g. support/answer@3');
  }
  return { name: value.slice(0, at), version };
}

/** The same inside an action, where a usage error must print itself. */
function nameAtVersion(value: string): { name: string; version: number } {
  try {
    return parseNameAtVersion(value);
  } catch (error) {
    throw new UsageError(`${value}: ${(error as Error).message}`);
  }
}

export function registerPrompts(program: Command, io: CliIo): void {
  const prompts = program
    .command('prompts')
    .description('versioned prompts and their labels (production, staging, ...)');

  prompts
    .command('push')
    .description('store a prompt file as the next version (an unchanged file stores nothing)')
    .argument('<file>', 'YAML or JSON {name, template | messages, variables, model, message}, or Markdown')
    .option('--name <name>', "the prompt name (default: the file's name field)")
    .option('-m, --message <text>', "the commit message (default: the file's message field)")
    .option('--json', 'print the stored version as JSON')
    .addHelpText(
      'after',
      '\nFile example (support-answer.yaml):\n' +
        '  name: support/answer\n' +
        '  message: cite the sources\n' +
        '  model: { model: chat-default, parameters: { temperature: 0.2 } }\n' +
        '  variables:\n' +
        '    properties: { question: { type: string }, context: { type: string } }\n' +
        '    required: [question, context]\n' +
        '  messages:\n' +
        '    - { role: system, content: "Answer from this context only:\\n{{context}}" }\n' +
        '    - { role: placeholder, name: history }\n' +
        '    - { role: user, content: "{{question}}" }\n' +
        '\nA Markdown file holds the same fields in its front matter and the template as its body.\n' +
        '\nExamples:\n  $ ragline prompts push support-answer.yaml\n' +
        '  $ ragline prompts label support/answer@3 production',
    )
    .action(async (file: string, options: PushOptions, command: Command) => {
      const path = resolve(io.cwd, file);
      const { name: fileName, body } = await readPromptFile(path);
      const name = options.name ?? fileName;
      if (!name) throw new UsageError(`${path} has no name field: add one or pass --name`);
      const pushed = await createClient(command.optsWithGlobals<GlobalOptions>(), io).prompts.create(name, {
        ...body,
        ...(options.message !== undefined && { message: options.message }),
      });
      io.stdout.write(options.json ? `${JSON.stringify(pushed, null, 2)}\n` : formatPushed(pushed));
    });

  prompts
    .command('label')
    .description('point a label at a version: the deploy, and the rollback')
    .argument('<name@version>', 'e.g. support/answer@3', parseNameAtVersion)
    .argument('<label>', 'e.g. production, staging (latest is automatic)')
    .option(
      '--override <reason>',
      'move it although the promotion gate refuses (admin keys; recorded with the reason)',
    )
    .option('--json', 'print JSON')
    .action(
      async (
        target: { name: string; version: number },
        label: string,
        options: { json?: boolean; override?: string },
        command: Command,
      ) => {
        const client = createClient(command.optsWithGlobals<GlobalOptions>(), io);
        const moved = await client.prompts.label(target.name, label, target.version, overrideOption(options));
        io.stdout.write(options.json ? `${JSON.stringify(moved, null, 2)}\n` : formatLabelMove(moved));
      },
    );

  prompts
    .command('show')
    .description('print a version: the latest, the one a label names, or name@version')
    .argument('<name>', 'e.g. support/answer, or support/answer@3 for one version')
    .option('--label <label>', 'e.g. production')
    .option('--json', 'print JSON')
    .action(async (nameOrRef: string, options: ShowOptions, command: Command) => {
      const ref = /@\d+$/.test(nameOrRef) ? nameAtVersion(nameOrRef) : { name: nameOrRef };
      if (options.label !== undefined && 'version' in ref) {
        throw new UsageError('give name@version or --label, not both');
      }
      const client = createClient(command.optsWithGlobals<GlobalOptions>(), io);
      const { isFallback: _, ...prompt } = await client.prompts.get(ref.name, {
        cache: false,
        ...(options.label !== undefined && { label: options.label }),
        ...('version' in ref && { version: ref.version }),
      });
      io.stdout.write(options.json ? `${JSON.stringify(prompt, null, 2)}\n` : formatPromptVersion(prompt));
    });

  prompts
    .command('list')
    .description('list the prompts with their latest version and labels')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { data } = await createClient(command.optsWithGlobals<GlobalOptions>(), io).prompts.list();
      io.stdout.write(options.json ? `${JSON.stringify(data, null, 2)}\n` : formatPromptList(data));
    });
}
