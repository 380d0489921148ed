import type { ModelSpecInput, ModelVersion } from '@ragline/sdk';
import { type Command, InvalidArgumentError } from 'commander';
import { createClient, type GlobalOptions } from '../client.js';
import type { CliIo } from '../io.js';
import { overrideOption } from '../override-option.js';
import { parseVersionRef } from '../parse-refs.js';

interface CreateOptions {
  route?: string;
  target?: string;
  pool?: string;
  adapter?: string;
  baseModel?: string;
  fineTuneJob?: string;
  dataset?: string;
  evalRun?: string[];
  message?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerModels(program: Command, io: CliIo): void {
  const models = program
    .command('models')
    .description(
      'the model registry: versions of a model (a route, or a base model and LoRA adapter), aliases',
    );

  models
    .command('create')
    .description('add a version to a model')
    .argument('<name>', 'the model name')
    .option('--route <route>', 'a gateway route, optionally route@version (default: its current version)')
    .option('--target <id>', 'a gateway target')
    .option('--pool <id>', 'a gateway pool')
    .option('--adapter <name>', 'a LoRA adapter served by the target or pool')
    .option('--base-model <model>', 'the base model (checked against the target)')
    .option('--fine-tune-job <id>', 'lineage: the fine-tune job that produced it')
    .option('--dataset <name>', 'lineage: the dataset it was trained on')
    .option('--eval-run <id>', 'lineage: an eval run that scored it (repeatable)', collect)
    .option('-m, --message <text>', 'what changed')
    .option('--json', 'print the version as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ ragline models create sql-assistant --pool llama-pool --adapter sql-lora --fine-tune-job ftjob_7\n' +
        '  $ ragline models create support --route chat@3',
    )
    .action(async (name: string, options: CreateOptions, command: Command) => {
      const version = await createClient(
        command.optsWithGlobals<GlobalOptions>(),
        io,
      ).registry.models.createVersion(name, {
        spec: specOf(options),
        ...((options.fineTuneJob || options.dataset || options.evalRun) && {
          lineage: {
            ...(options.fineTuneJob && { fineTuneJob: options.fineTuneJob }),
            ...(options.dataset && { dataset: options.dataset }),
            ...(options.evalRun && { evalRuns: options.evalRun }),
          },
        }),
        ...(options.message && { message: options.message }),
      });
      io.stdout.write(
        options.json
          ? `${JSON.stringify(version, null, 2)}\n`
          : `Created ${name} version ${version.version}: ${describeSpec(version)}\n`,
      );
    });

  models
    .command('list')
    .description("list the tenant's models with their latest version and aliases")
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { data } = await createClient(
        command.optsWithGlobals<GlobalOptions>(),
        io,
      ).registry.models.list();
      if (options.json) {
        io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
        return;
      }
      if (data.length === 0) io.stdout.write('No models yet. Add one with "ragline models create".\n');
      for (const m of data) {
        const aliases = Object.entries(m.aliases).map(([alias, v]) => `${alias}=${v}`);
        io.stdout.write(
          `${m.name}  latest ${m.latestVersion}${aliases.length ? `  ${aliases.join(' ')}` : ''}\n`,
        );
      }
    });

  models
    .command('show')
    .description('show one version: name, name@version or name@alias (default the latest)')
    .argument('<model>', 'name[@version|@alias]', parseVersionRef)
    .option('--json', 'print JSON')
    .action(
      async (ref: ReturnType<typeof parseVersionRef>, options: { json?: boolean }, command: Command) => {
        const version = await createClient(command.optsWithGlobals<GlobalOptions>(), io).registry.models.get(
          ref.name,
          {
            ...(ref.version !== undefined && { version: ref.version }),
            ...(ref.label !== undefined && { alias: ref.label }),
          },
        );
        io.stdout.write(options.json ? `${JSON.stringify(version, null, 2)}\n` : formatVersion(version));
      },
    );

  models
    .command('alias')
    .description('point an alias (champion, challenger, ...) at a version')
    .argument('<model>', 'name@version', parseVersionRef)
    .argument('<alias>', 'the alias to move')
    .option(
      '--override <reason>',
      'move it although the promotion gate refuses (admin keys; recorded with the reason)',
    )
    .action(
      async (
        ref: ReturnType<typeof parseVersionRef>,
        alias: string,
        options: { override?: string },
        command: Command,
      ) => {
        if (ref.version === undefined) throw new InvalidArgumentError('<model> must be name@version');
        const result = await createClient(
          command.optsWithGlobals<GlobalOptions>(),
          io,
        ).registry.models.setAlias(ref.name, alias, ref.version, overrideOption(options));
        const was = result.previousVersion === null ? ' (new alias)' : ` (was ${result.previousVersion})`;
        io.stdout.write(
          result.moved
            ? `${result.name} ${result.alias} -> version ${result.version}${was}\n`
            : `${result.name} ${result.alias} already points at version ${result.version}.\n`,
        );
      },
    );
}

/** Every flag given goes to the server, which names a bad combination (`spec.target: give exactly one of ...`). */
function specOf(options: CreateOptions): ModelSpecInput {
  const route = options.route === undefined ? undefined : parseVersionRef(options.route);
  if (route?.label !== undefined) throw new InvalidArgumentError('--route takes route or route@version');
  return {
    ...(route && { route: route.name }),
    ...(route?.version !== undefined && { routeVersion: route.version }),
    ...(options.target && { target: options.target }),
    ...(options.pool && { pool: options.pool }),
    ...(options.adapter && { adapter: options.adapter }),
    ...(options.baseModel && { baseModel: options.baseModel }),
  };
}

function describeSpec(version: ModelVersion): string {
  const { spec } = version;
  if ('route' in spec) return `route ${spec.route} version ${spec.routeVersion}`;
  const where = spec.target ? `target ${spec.target}` : `pool ${spec.pool}`;
  return `${spec.baseModel}${spec.adapter ? ` + adapter ${spec.adapter}` : ''} on ${where}`;
}

function formatVersion(version: ModelVersion): string {
  const lines = [
    `${version.name} version ${version.version}${version.aliases.length ? ` (${version.aliases.join(', ')})` : ''}`,
    `  spec      ${describeSpec(version)}`,
  ];
  const { lineage } = version;
  if (lineage.fineTuneJob) lines.push(`  job       ${lineage.fineTuneJob}`);
  if (lineage.dataset) lines.push(`  dataset   ${lineage.dataset}`);
  if (lineage.evalRuns.length) lines.push(`  evals     ${lineage.evalRuns.join(', ')}`);
  for (const t of version.price.targets) {
    lines.push(
      `  price     ${t.target} (${t.model}): ${t.price ? priceText(t.price) : 'not in the price book'}`,
    );
  }
  if (version.message) lines.push(`  message   ${version.message}`);
  return `${lines.join('\n')}\n`;
}

function priceText(price: NonNullable<ModelVersion['price']['targets'][number]['price']>): string {
  if (price.gpuHour !== undefined) return `$${price.gpuHour}/GPU-hour`;
  return `$${price.input ?? '0'} in, $${price.output ?? '0'} out per million tokens`;
}
