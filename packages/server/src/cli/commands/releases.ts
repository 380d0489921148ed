import type { CreateReleaseRequest, RetrievalMode } from '@ragline/sdk';
import { type Command, Option } from 'commander';
import { createClient, type GlobalOptions } from '../client.js';
import { describePins, formatRelease, formatReleaseList } from '../format-releases.js';
import type { CliIo } from '../io.js';
import { overrideOption } from '../override-option.js';
import { parseJsonObject, parsePositiveInt } from '../parse-options.js';
import { parseModelRef, parsePromptRef } from '../parse-refs.js';

interface CreateOptions {
  prompt: CreateReleaseRequest['prompt'];
  model?: CreateReleaseRequest['model'];
  collection: string;
  collectionVersion?: string;
  mode?: RetrievalMode;
  topK?: number;
  filter?: Record<string, unknown>;
  fusion?: Record<string, unknown>;
  json?: boolean;
}

export function registerReleases(program: Command, io: CliIo): void {
  const releases = program
    .command('releases')
    .description('releases: a prompt, a model, retrieval settings and a collection version, pinned together');

  releases
    .command('create')
    .description(
      'pin a prompt version, a model (optional: without one the release is extractive), retrieval settings and a collection version into a release',
    )
    .requiredOption('--prompt <prompt>', 'name@version, name@label, or name (the latest)', parsePromptRef)
    .option(
      '--model <model>',
      'a registry model (name@version, name@alias) or a gateway route (name, route:name@version); ' +
        'omit it for an extractive release (no model: answers are the best passages)',
      parseModelRef,
    )
    .requiredOption('--collection <name>', 'the collection to retrieve from')
    .option('--collection-version <version>', 'a collection version (default: its current version)')
    .addOption(new Option('--mode <mode>', 'retrieval mode').choices(['dense', 'lexical', 'hybrid']))
    .option('--top-k <n>', 'passages to retrieve (default 8)', parsePositiveInt)
    .option('--filter <json>', 'metadata filter, e.g. \'{"lang":"en"}\'', parseJsonObject)
    .option(
      '--fusion <json>',
      'hybrid fusion, e.g. \'{"k":60,"denseWeight":1,"lexicalWeight":0.5}\'',
      parseJsonObject,
    )
    .option('--json', 'print the release as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ ragline releases create --prompt answer@production --model chat --collection handbook\n' +
        '  $ ragline releases create --prompt answer@3 --model sql-assistant@champion --collection handbook --mode hybrid --top-k 8\n' +
        '  $ ragline releases create --prompt answer --collection handbook     # no model: extractive',
    )
    .action(async (options: CreateOptions, command: Command) => {
      const release = await createClient(command.optsWithGlobals<GlobalOptions>(), io).releases.create({
        prompt: options.prompt,
        model: options.model ?? null,
        retrieval: {
          collection: options.collection,
          ...(options.mode && { mode: options.mode }),
          ...(options.topK && { topK: options.topK }),
          ...(options.filter && { filter: options.filter }),
          // Checked by the server, which names a bad field.
          ...(options.fusion && { fusion: options.fusion as CreateReleaseRequest['retrieval']['fusion'] }),
        },
        ...(options.collectionVersion && { collection: { version: options.collectionVersion } }),
      });
      if (options.json) {
        io.stdout.write(`${JSON.stringify(release, null, 2)}\n`);
        return;
      }
      io.stdout.write(
        `${release.created ? 'Created release' : 'Release already exists:'} ${release.id}\n  ${describePins(release.pins)}\n`,
      );
    });

  releases
    .command('label')
    .description(
      'point a label (production, staging, ...) at a release: the deploy, and moving it back, the rollback',
    )
    .argument('<release>', 'a release id, or a label whose release to take')
    .argument('<label>', 'the label to move')
    .option(
      '--override <reason>',
      'move it although the promotion gate refuses (admin keys; recorded with the reason)',
    )
    .option('--json', 'print JSON')
    .action(
      async (
        release: string,
        label: string,
        options: { json?: boolean; override?: string },
        command: Command,
      ) => {
        const result = await createClient(command.optsWithGlobals<GlobalOptions>(), io).releases.setLabel(
          label,
          release,
          overrideOption(options),
        );
        if (options.json) {
          io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        if (!result.moved) io.stdout.write(`${result.label} already points at ${result.release}.\n`);
        else {
          const was = result.previousRelease ? ` (was ${result.previousRelease})` : ' (new label)';
          io.stdout.write(`${result.label} -> ${result.release}${was}\n`);
        }
      },
    );

  releases
    .command('show')
    .description('show what a release pins')
    .argument('<release>', 'a release id or label')
    .option('--json', 'print JSON')
    .action(async (release: string, options: { json?: boolean }, command: Command) => {
      const found = await createClient(command.optsWithGlobals<GlobalOptions>(), io).releases.get(release);
      io.stdout.write(options.json ? `${JSON.stringify(found, null, 2)}\n` : formatRelease(found));
    });

  releases
    .command('list')
    .description('list releases, newest first')
    .option('--limit <n>', 'at most this many (default 20)', parsePositiveInt)
    .option('--json', 'print JSON')
    .action(async (options: { limit?: number; json?: boolean }, command: Command) => {
      const list = await createClient(command.optsWithGlobals<GlobalOptions>(), io).releases.list({
        ...(options.limit && { limit: options.limit }),
      });
      io.stdout.write(options.json ? `${JSON.stringify(list, null, 2)}\n` : formatReleaseList(list));
    });
}
