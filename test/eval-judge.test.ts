import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_JUDGE_TEMPLATES } from '../packages/eval/src/judge/judge-templates.js';
import { cosineSimilarity } from '../packages/eval/src/metrics/embedding.js';
import { EndpointError } from '../packages/eval/src/runner/endpoint-client.js';
import { scoreRepeat } from '../packages/eval/src/runner/score-repeat.js';
import { buildScoringServices } from '../packages/eval/src/runner/scoring-services.js';
import { type SuiteDefinition, validateSuite } from '../packages/eval/src/suite/suite-definition.js';
import type { TargetAnswer } from '../packages/eval/src/targets/target.js';
import { createGateway } from '../packages/server/src/services/gateway/gateway.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

// The real server (registry, gateway, metering, the local ONNX embedder); only the judge model's upstream
// is faked, answering scripted JSON by which judge prompt it receives.
const QUESTION = 'What is the capital of France?';
const judgePrompts: string[] = [];
const msw = setupServer(
  http.post('http://judge-upstream.test/v1/chat/completions', async ({ request }) => {
    const body = (await request.json()) as { messages: { content: string }[]; temperature?: number };
    const prompt = body.messages[0]?.content ?? '';
    judgePrompts.push(prompt);
    return HttpResponse.json({
      id: `chatcmpl-${judgePrompts.length}`,
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'judge-model',
      choices: [
        { index: 0, message: { role: 'assistant', content: judgeReply(prompt) }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 },
    });
  }),
);

function judgeReply(prompt: string): string {
  if (prompt.startsWith('EDITED'))
    return '{"classifications": [{"attributed": 1}, {"attributed": 1}, {"attributed": 0}]}';
  if (prompt.startsWith('Given a question and an answer'))
    return '```json\n{"statements": ["Paris is the capital of France.", "Paris is on the Seine.", "Paris has 9 million people."]}\n```';
  if (prompt.startsWith('Judge the faithfulness'))
    return 'Verdicts: {"verdicts": [{"verdict": 1}, {"verdict": 1}, {"verdict": 0}]}';
  if (prompt.startsWith('Generate'))
    return JSON.stringify({ questions: [QUESTION, QUESTION, QUESTION], noncommittal: 0 });
  if (prompt.startsWith('Given a question, a reference answer and a context'))
    return JSON.stringify({ reason: '-', verdict: prompt.includes('Context: Bananas') ? 0 : 1 });
  if (prompt.startsWith('Given a context and a reference answer'))
    return '{"classifications": [{"attributed": 1}, {"attributed": 0}]}';
  return 'unscripted';
}

let server: Awaited<ReturnType<typeof createInProcessServer>>;
const env = { RAGLINE_API_KEY: ADMIN_KEY };
const api = () => client(server.fetch, server.baseURL, ADMIN_KEY);
const context = () => ({ fetch: server.fetch, env, where: 'suite "judged"' });

const suite: SuiteDefinition = validateSuite({
  name: 'judged',
  cases: [{ id: 'c1', input: QUESTION, expected: 'Paris is the capital of France. It is on the Seine.' }],
  target: { kind: 'collection', collection: 'docs', server: 'http://ragline.test' },
  metrics: [
    { name: 'faithful', kind: 'faithfulness' },
    { name: 'relevant', kind: 'answer-relevancy' },
    { name: 'precision', kind: 'context-precision' },
    { name: 'recall', kind: 'context-recall' },
    { name: 'cosine', kind: 'embedding-cosine' },
  ],
  judge: { model: 'judge-route' },
  embedder: { model: 'local' },
});
const item = { id: 'c1', input: QUESTION, expected: 'Paris is the capital of France. It is on the Seine.' };
const answer: TargetAnswer = {
  output: 'Paris is the capital of France, on the Seine, with 9 million people.',
  contexts: [
    { documentId: 'd1', text: 'Paris is the capital of France.' },
    { documentId: 'd2', text: 'Bananas are yellow.' },
    { documentId: 'd3', text: 'Paris lies on the Seine.' },
  ],
};

const PROMPT_NAMES = [
  'ragline-judge-faithfulness-statements',
  'ragline-judge-faithfulness-verdicts',
  'ragline-judge-answer-relevancy',
  'ragline-judge-context-precision',
  'ragline-judge-context-recall',
];

async function versionsOf(name: string): Promise<{ version: number; template: string }[]> {
  const response = await api().get(`/v1/prompts/${name}/versions`);
  expect(response.status).toBe(200);
  return response.json.data;
}

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'error' });
  server = await createInProcessServer();
  server.deps.gateway = createGateway({
    targets: [
      {
        id: 'judge-upstream',
        kind: 'openai-compatible',
        model: 'judge-model',
        baseURL: 'http://judge-upstream.test/v1',
      },
    ],
    pools: [],
    routes: [{ name: 'judge-route', strategy: 'single', targets: [{ ref: 'judge-upstream' }] }],
  });
});
afterAll(async () => {
  msw.close();
  await server.close();
});

describe('judged metrics through the Ragline server', () => {
  it('stores the judge prompts as versions, scores through the gateway, and meters the calls as judge', async () => {
    const services = await buildScoringServices(suite, context());
    for (const name of PROMPT_NAMES) {
      const versions = await versionsOf(name);
      expect(versions.map((v) => v.version)).toEqual([1]);
      expect(versions[0]?.template).toBe(
        DEFAULT_JUDGE_TEMPLATES[name.replace('ragline-judge-', '') as 'context-recall'],
      );
    }
    expect(services.judgePromptRefs).toEqual({
      faithful: ['ragline-judge-faithfulness-statements@1', 'ragline-judge-faithfulness-verdicts@1'],
      relevant: ['ragline-judge-answer-relevancy@1'],
      precision: ['ragline-judge-context-precision@1'],
      recall: ['ragline-judge-context-recall@1'],
    });

    judgePrompts.length = 0;
    const result = await scoreRepeat(suite.metrics, answer, item, services);
    expect(result.error).toBeUndefined();

    // the embedding-cosine expectation, from the same local embedder asked directly
    const embedded = await api().post('/v1/embeddings', {
      model: 'local',
      input: [answer.output, item.expected],
    });
    expect(embedded.status).toBe(200);
    const [a, b] = embedded.json.data.map((entry: { embedding: number[] }) => entry.embedding);
    const cosine = cosineSimilarity(a, b);
    expect(cosine).toBeGreaterThan(0);
    expect(cosine).toBeLessThan(0.999);

    expect(result.scores.faithful).toBeCloseTo(2 / 3, 12); // statements [1, 1, 0]
    expect(result.scores.precision).toBeCloseTo((1 / 1 + 2 / 3) / 2, 12); // relevance [1, 0, 1]
    expect(result.scores.recall).toBe(0.5); // reference sentences [1, 0]
    expect(result.scores.relevant).toBeCloseTo(1, 5); // every generated question is the question itself
    expect(result.scores.cosine).toBeCloseTo(cosine, 6);
    expect(result.passed).toMatchObject({ faithful: true, precision: true, recall: true, relevant: true });

    // 2 faithfulness + 1 relevancy + 3 precision (one per context) + 1 recall, all metered as judge
    expect(judgePrompts).toHaveLength(7);
    await server.deps.costs?.ledger.flush();
    const records = await server.deps.metadata.ledger.list({
      tenantId: 'default',
      fromMs: 0,
      toMs: Date.now() + 60_000,
      limit: 1000,
    });
    const judged = records.filter((record) => record.route === 'judge-route');
    expect(judged).toHaveLength(7);
    expect(new Set(judged.map((record) => record.kind))).toEqual(new Set(['judge']));
  });

  it('a second run reuses the stored versions; a template edited in the registry is what runs', async () => {
    const again = await buildScoringServices(suite, context());
    expect(again.judgePromptRefs.recall).toEqual(['ragline-judge-context-recall@1']);
    for (const name of PROMPT_NAMES) expect(await versionsOf(name)).toHaveLength(1);

    const edited = await api().post('/v1/prompts/ragline-judge-context-recall/versions', {
      template: 'EDITED reference: {{reference}}\ncontexts:\n{{contexts}}',
    });
    expect(edited.status).toBe(201);
    const afterEdit = await buildScoringServices(suite, context());
    expect(afterEdit.judgePromptRefs.recall).toEqual(['ragline-judge-context-recall@2']);
    expect((await versionsOf('ragline-judge-context-recall')).map((v) => v.version)).toEqual([1, 2]);

    judgePrompts.length = 0;
    const recall = suite.metrics.filter((metric) => metric.kind === 'context-recall');
    const result = await scoreRepeat(recall, answer, item, afterEdit);
    expect(result.scores).toEqual({ recall: 2 / 3 });
    expect(judgePrompts).toEqual([
      `EDITED reference: ${item.expected}\ncontexts:\n1. Paris is the capital of France.\n2. Bananas are yellow.\n3. Paris lies on the Seine.`,
    ]);
  });

  it('a key the server refuses is an infrastructure error (EndpointError) before any case runs', async () => {
    const refused = buildScoringServices(suite, { ...context(), env: { RAGLINE_API_KEY: 'not-a-key' } });
    await expect(refused).rejects.toBeInstanceOf(EndpointError);
    await expect(refused).rejects.toThrow(/401/);
  });
});
