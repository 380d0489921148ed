/**
 * Grounded answers, the newcomer's whole flow: ingest a few documents, push a prompt, create a release,
 * label it staging, evaluate that exact release on the server, promote it to production (the server
 * refuses `production` to a release without a passing evaluation), and ask it (whole, then streamed). Without a model route the release pins no
 * model and answers extractively (the best passages and their citations, labelled so), which works on a
 * bare `npm start`; with one, a model writes the answer.
 *
 *   npm start                                      # in one terminal
 *   export RAGLINE_API_KEY=$(cat .ragline/admin.key)
 *   npx tsx examples/rag-answer/rag-answer.ts      # in another: an extractive release
 *
 *   RAGLINE_MODEL_ROUTE=chat npx tsx examples/rag-answer/rag-answer.ts
 *     # a release on the gateway route `chat` (see docs/guides/gateway.md): generative answers
 *
 * Set RAGLINE_EMBEDDER=none to run lexical-only (no embedding model needed, fully offline).
 */
import { type AnswerCitation, APIError, Ragline } from '@ragline/sdk';

const apiKey = process.env.RAGLINE_API_KEY;
if (!apiKey) throw new Error('set RAGLINE_API_KEY (see the comment at the top of this file)');

const ragline = new Ragline({ baseURL: process.env.RAGLINE_URL ?? 'http://127.0.0.1:8787', apiKey });
const embedder = process.env.RAGLINE_EMBEDDER === 'none' ? null : (process.env.RAGLINE_EMBEDDER ?? 'local');
const route = process.env.RAGLINE_MODEL_ROUTE;
const collection = 'rag-answer';
const question = 'How long do I have to submit receipts, and what do meals cost?';

const handbook = `# Travel policy

## Booking

Book flights through the travel desk at least two weeks ahead.

## Expenses

Submit receipts within thirty days; meals are reimbursed up to 60 EUR a day.
`;

function printCitations(citations: AnswerCitation[]): void {
  for (const c of citations) {
    const where = [c.documentId, ...c.headingPath].join(' > ');
    console.log(`  ${c.cited ? '*' : ' '}[${c.ref}] ${where} [${c.start}, ${c.end})`);
  }
}

async function main(): Promise<void> {
  await ragline.collections.create({ name: collection, embedder });
  await ragline.documents.ingest(collection, {
    source: 'examples/rag-answer',
    sync: true,
    documents: [
      { id: 'travel.md', text: handbook, contentType: 'text/markdown' },
      { id: 'it.txt', text: 'Laptops are replaced every three years; receipts for accessories go to IT.' },
    ],
  });
  // Pushing the same prompt again stores nothing (created: false).
  const prompt = await ragline.prompts.create('rag-answer', {
    template:
      'Answer the question from these passages only, and cite them as [n].\n\n{{context}}\n\nQuestion: {{question}}',
    ...(route && { model: { model: route, parameters: { temperature: 0.2 } } }),
    message: 'examples/rag-answer',
  });
  console.log(`prompt: ${prompt.name}@${prompt.version} (${prompt.created ? 'created' : 'unchanged'})`);

  // No route: `model: null`, an extractive release. Its id differs from any release with a model.
  const release = await ragline.releases.create({
    prompt: { name: prompt.name, version: prompt.version },
    model: route ? { route } : null,
    retrieval: { collection, topK: 5 },
  });
  await ragline.releases.setLabel('staging', release.id);
  console.log(`release: ${release.id} -> staging (${route ? `route ${route}` : 'no model: extractive'})`);

  await evaluate(release.id);
  await ragline.releases.setLabel('production', release.id);
  console.log(`release: ${release.id} -> production`);

  const answer = await ragline.answer.create({ release: 'production', question });
  if (answer.mode === 'extractive') {
    console.log(`\nmode: extractive (${answer.extractiveReason}): the best passages, no model wrote this`);
  }
  console.log(`\n${answer.answer}\n`);
  printCitations(answer.citations);
  if (answer.mode === 'generative') {
    console.log(
      `tokens: ${answer.usage.inputTokens} in, ${answer.usage.outputTokens} out; cost $${answer.cost.dollars}`,
    );
  }

  console.log('\nstreamed:');
  for await (const event of await ragline.answer.stream({ release: 'production', question })) {
    if (event.type === 'citations') console.log(`(${event.mode}, ${event.citations.length} passages)`);
    else if (event.type === 'token') process.stdout.write(event.text);
    else if (event.type === 'done') console.log(`\ncited: [${event.cited.join(', ')}]`);
    else console.error(`\nthe answer failed: ${event.error.message}`);
  }
  if (!route)
    console.log('\nSet RAGLINE_MODEL_ROUTE to a gateway route for a release whose answers a model writes.');
}

/**
 * A small gate run by the server against exactly this release: both facts must be in the answer, and the
 * answer must cite the travel policy. The run is stored with the release id, which is what lets
 * `production` move to it.
 */
async function evaluate(releaseId: string): Promise<void> {
  const started = await ragline.evals.runs.create({
    release: releaseId,
    suite: {
      name: 'rag-answer-smoke',
      cases: [
        { id: 'receipts', input: question, expected: 'thirty days', expectedDocuments: ['travel.md'] },
        {
          id: 'meals',
          input: 'How much are meals reimbursed?',
          expected: '60 EUR',
          expectedDocuments: ['travel.md'],
        },
      ],
      metrics: [
        { name: 'mentions', kind: 'contains', options: { caseInsensitive: true } },
        { name: 'cites-policy', kind: 'hit@k', options: { k: 3 } },
      ],
      gate: {
        absolute: [
          { metric: 'mentions', statistic: 'passRate', threshold: 1 },
          { metric: 'cites-policy', statistic: 'passRate', threshold: 1 },
        ],
      },
    },
  });
  let run = await ragline.evals.runs.get(started.id);
  while (run.status === 'queued' || run.status === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 200));
    run = await ragline.evals.runs.get(started.id);
  }
  if (run.status === 'failed') throw new Error(`the evaluation could not run: ${run.error}`);
  console.log(`eval ${run.id}: ${run.passed ? 'passed' : `failed (${run.failing.join('; ')})`}`);
}

main().catch((error: unknown) => {
  if (error instanceof APIError) console.error(`${error.message} (${error.requestId})`);
  else console.error(error);
  process.exitCode = 1;
});
