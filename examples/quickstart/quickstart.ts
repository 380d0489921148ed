/**
 * Quickstart: create a collection, ingest two documents, ask a question, print cited spans.
 *
 *   npm start                                   # in one terminal
 *   export RAGLINE_API_KEY=$(cat .ragline/admin.key)
 *   npx tsx examples/quickstart/quickstart.ts   # in another
 *
 * Set RAGLINE_EMBEDDER=none to run lexical-only (no embedding model needed, fully offline).
 */
import { APIError, Ragline } from '@ragline/sdk';

const apiKey = process.env.RAGLINE_API_KEY;
if (!apiKey) throw new Error('set RAGLINE_API_KEY (see the comment at the top of this file)');

const ragline = new Ragline({ baseURL: process.env.RAGLINE_URL ?? 'http://127.0.0.1:8787', apiKey });
const embedder = process.env.RAGLINE_EMBEDDER === 'none' ? null : (process.env.RAGLINE_EMBEDDER ?? 'local');

const handbook = `# Travel policy

## Booking

Book flights through the travel desk at least two weeks ahead.

## Expenses

Submit receipts within thirty days; meals are reimbursed up to 60 EUR a day.
`;

async function main(): Promise<void> {
  await ragline.collections.create({ name: 'quickstart', embedder });
  const ingested = await ragline.documents.ingest('quickstart', {
    source: 'examples/quickstart',
    sync: true,
    documents: [
      { id: 'travel.md', text: handbook, contentType: 'text/markdown', metadata: { team: 'finance' } },
      { id: 'it.txt', text: 'Laptops are replaced every three years.', metadata: { team: 'it' } },
    ],
  });
  console.log('ingested:', ingested);

  const { mode, results } = await ragline.retrieval.query('quickstart', {
    query: 'how long do I have to submit receipts?',
    topK: 2,
    filter: { team: 'finance' },
  });
  console.log(`mode: ${mode}`);
  for (const hit of results) {
    const where = [hit.documentId, ...hit.headingPath].join(' > ');
    console.log(`${hit.score.toFixed(4)}  ${where}  [${hit.start}, ${hit.end})`);
    console.log(`  ${hit.text.replaceAll('\n', ' ')}`);
  }
}

main().catch((error: unknown) => {
  if (error instanceof APIError)
    console.error(`${error.status} ${error.code}: ${error.message} (${error.requestId})`);
  else console.error(error);
  process.exitCode = 1;
});
