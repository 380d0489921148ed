import { readFile } from 'node:fs/promises';
import { type IngestResult, NotFoundError, type Ragline } from '@ragline/sdk';
import type { Command } from 'commander';
import { UsageError } from '../cli-error.js';
import { createClient, type GlobalOptions } from '../client.js';
import { collectFiles } from '../collect-files.js';
import { ensureCollection } from '../ensure-collection.js';
import { formatIngestSummary, type IngestSummary } from '../format.js';
import type { CliIo } from '../io.js';
import { parsePositiveInt } from '../parse-options.js';
import { type Batch, findDuplicateId, planBatches, readJsonlFile } from '../plan-batches.js';
import { createIngestProgress } from '../progress.js';

/** Keeps requests well under the server's default 50 MiB body limit. */
export const MAX_BATCH_BYTES = 8 * 1024 * 1024;
/** Embedding a batch on a CPU can take minutes; the SDK's 60 s default would cut it off. */
const INGEST_TIMEOUT_MS = 10 * 60_000;
const DELETE_CONCURRENCY = 4;

export interface IngestOptions {
  collection: string;
  sync?: boolean;
  source?: string;
  create?: boolean;
  embedder?: string;
  batchSize: number;
  json?: boolean;
}

export function registerIngest(program: Command, io: CliIo): void {
  program
    .command('ingest')
    .description('send files (.txt .md .markdown .html .htm .pdf .jsonl) to a collection')
    .argument('<paths...>', 'files, directories or globs (quote globs so the shell leaves them alone)')
    .requiredOption('-c, --collection <name>', 'collection to ingest into')
    .option(
      '--sync',
      "make the source's documents match these files exactly: deletes the ones no longer present",
    )
    .option(
      '--source <source>',
      'groups the documents by origin (default with --sync: the absolute base directory)',
    )
    .option('--create', 'create the collection when it does not exist')
    .option(
      '--embedder <name>',
      'with --create: embedder to use, or "none" for lexical only (default: first available)',
    )
    .option('--batch-size <n>', 'documents per request', parsePositiveInt, 64)
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Document ids are paths relative to the common base of the inputs (docs/guide/intro.md -> guide/intro.md
when you pass docs). Lines of .jsonl files are documents themselves ({"id", "text"} or {"id", "content",
"contentType"}, optional "metadata").

Examples:
  $ ragline ingest docs --collection handbook --create
  $ ragline ingest 'notes/**/*.md' manual.pdf -c handbook --sync
  $ ragline ingest corpus.jsonl -c bench --batch-size 500`,
    )
    .action(async (paths: string[], options: IngestOptions, command: Command) => {
      await runIngest(paths, options, command.optsWithGlobals<GlobalOptions>(), io);
    });
}

export async function runIngest(paths: string[], options: IngestOptions, globals: GlobalOptions, io: CliIo) {
  if (options.embedder !== undefined && !options.create)
    throw new UsageError('--embedder only applies with --create');
  const started = io.now();

  const { base, files } = await collectFiles(paths, io.cwd);
  const plainFiles = files.filter((f) => f.contentType !== 'jsonl');
  const jsonlDocuments = (
    await Promise.all(files.filter((f) => f.contentType === 'jsonl').map(readJsonlFile))
  ).flat();
  const batches = planBatches(plainFiles, jsonlDocuments, {
    size: options.batchSize,
    maxBytes: MAX_BATCH_BYTES,
  });
  if (batches.length === 0) throw new UsageError('the .jsonl inputs hold no documents');
  const duplicate = findDuplicateId(batches);
  if (duplicate !== undefined) throw new UsageError(`document id "${duplicate}" appears twice in the inputs`);
  const totalDocuments = batches.reduce((n, b) => n + b.ids.length, 0);
  const source = options.source ?? (options.sync ? base : undefined);

  const client = createClient(globals, io);
  if (options.create) await ensureCollection(client, options.collection, options.embedder);

  // Sync across several requests: a `sync` flag on any single batch would make the server delete
  // every document of the source missing from THAT batch, i.e. the other batches' documents. So
  // batches go without it, and once all of them succeeded we list the source's documents and
  // delete those we did not send. If a batch fails nothing is deleted. A run that fits in one
  // request lets the server do the sync itself (atomic, one round trip).
  const serverSync = options.sync === true && batches.length === 1;
  const totals: IngestResult = {
    added: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    chunks: 0,
    usage: { embeddingTokens: 0 },
  };
  const progress = createIngestProgress(io.stderr, totalDocuments, batches.length);
  let sent = 0;
  try {
    for (const batch of batches) {
      const result = await sendBatch(client, options.collection, batch, source, serverSync);
      addResult(totals, result);
      sent += batch.ids.length;
      progress.batchDone(batch.ids.length, result);
    }
  } catch (error) {
    progress.stop();
    io.stderr.write(
      `ingest stopped after ${sent} of ${totalDocuments} documents` +
        (options.sync ? '; nothing was deleted (sync runs only after every batch succeeded)\n' : '\n'),
    );
    throw error;
  }
  progress.stop();

  if (options.sync && !serverSync && source !== undefined) {
    const keep = new Set(batches.flatMap((b) => b.ids));
    totals.deleted += await deleteMissing(client, options.collection, source, keep);
  }

  const summary: IngestSummary = {
    collection: options.collection,
    documents: totalDocuments,
    files: files.length,
    added: totals.added,
    updated: totals.updated,
    unchanged: totals.unchanged,
    deleted: totals.deleted,
    chunks: totals.chunks,
    embeddingTokens: totals.usage.embeddingTokens,
    seconds: Math.round(io.now() - started) / 1000,
  };
  io.stdout.write(
    options.json
      ? `${JSON.stringify({ ...summary, source: source ?? null })}\n`
      : formatIngestSummary(summary),
  );
}

async function sendBatch(
  client: Ragline,
  collection: string,
  batch: Batch,
  source: string | undefined,
  sync: boolean,
): Promise<IngestResult> {
  const requestOptions = { timeout: INGEST_TIMEOUT_MS };
  const syncFlag = sync ? true : undefined;
  if (batch.kind === 'jsonl') {
    return client.documents.ingest(
      collection,
      { jsonl: `${batch.lines.join('\n')}\n`, source, sync: syncFlag },
      requestOptions,
    );
  }
  const contents = await Promise.all(batch.files.map((f) => readFile(f.absolutePath)));
  return client.documents.ingest(
    collection,
    {
      files: batch.files.map((f, i) => ({
        name: f.id,
        content: contents[i] as Uint8Array,
        contentType: f.contentType,
      })),
      source,
      sync: syncFlag,
    },
    requestOptions,
  );
}

async function deleteMissing(
  client: Ragline,
  collection: string,
  source: string,
  keep: Set<string>,
): Promise<number> {
  const stale: string[] = [];
  for await (const document of client.documents.listAll(collection, { source, limit: 500 })) {
    if (!keep.has(document.id)) stale.push(document.id);
  }
  let next = 0;
  let deleted = 0;
  const worker = async () => {
    while (next < stale.length) {
      const id = stale[next++] as string;
      try {
        await client.documents.delete(collection, id);
        deleted++;
      } catch (error) {
        // Someone else deleted it meanwhile: the goal is reached all the same.
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, stale.length) }, worker));
  return deleted;
}

function addResult(totals: IngestResult, result: IngestResult): void {
  totals.added += result.added;
  totals.updated += result.updated;
  totals.unchanged += result.unchanged;
  totals.deleted += result.deleted;
  totals.chunks += result.chunks;
  totals.usage.embeddingTokens += result.usage.embeddingTokens;
}
