/**
 * Ingest a folder from code: every .md/.html/.txt/.pdf file under a directory is uploaded as
 * multipart (the file's relative path is its document id), with `sync` so files you delete
 * disappear from the collection on the next run. Run it twice: the second run reports the files
 * as unchanged and embeds nothing.
 *
 *   npx tsx examples/ingest-folder/ingest-folder.ts ./docs handbook
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, resolve } from 'node:path';
import { Ragline } from '@ragline/sdk';

const TYPES: Record<string, string> = {
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.txt': 'text/plain',
  '.pdf': 'application/pdf',
};

async function main(): Promise<void> {
  const [folder = './docs', collection = 'handbook'] = process.argv.slice(2);
  const ragline = new Ragline({
    baseURL: process.env.RAGLINE_URL ?? 'http://127.0.0.1:8787',
    apiKey: process.env.RAGLINE_API_KEY ?? '',
  });
  const root = resolve(folder);
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = await Promise.all(
    entries
      .filter((entry) => entry.isFile() && TYPES[extname(entry.name)])
      .map(async (entry) => {
        const path = join(entry.parentPath, entry.name);
        return {
          name: relative(root, path),
          content: new Uint8Array(await readFile(path)),
          contentType: TYPES[extname(entry.name)],
        };
      }),
  );
  if (files.length === 0) throw new Error(`no supported files under ${root}`);

  await ragline.collections.create({ name: collection, embedder: process.env.RAGLINE_EMBEDDER ?? null });
  const result = await ragline.documents.ingest(collection, { files, source: root, sync: true });
  console.log(result);

  let count = 0;
  for await (const doc of ragline.documents.listAll(collection, { source: root })) {
    count++;
    console.log(`${doc.id}  ${doc.chunkCount} chunks  ${doc.characters} chars`);
  }
  console.log(`${count} documents from ${root}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
