import { createServer } from 'node:net';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EndpointError, type FetchLike } from '../packages/eval/src/runner/endpoint-client.js';
import { runSuite } from '../packages/eval/src/runner/run-suite.js';
import { scoreOutput } from '../packages/eval/src/runner/score-output.js';
import type { TargetDefinition } from '../packages/eval/src/suite/suite-definition.js';
import { collectionStateOf } from '../packages/eval/src/targets/collection-target.js';
import { promptModelContentHash } from '../packages/eval/src/targets/prompt-model-target.js';
import { resolveTarget } from '../packages/eval/src/targets/resolve-target.js';
import type { UsageRecord } from '../packages/server/src/ports/cost-repositories.js';
import { createGateway } from '../packages/server/src/services/gateway/gateway.js';
import { createOpenAIChatFake } from '../packages/server/src/testing/openai-chat-fake/openai-chat-fake.js';
import { gatewayConfig } from './gateway-harness.js';
import { ANSWER_DOCS, RECEIPTS_QUESTION, seedAnswerFixtures } from './support/answer-fixtures.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

/**
 * The server-backed eval targets against the real app in process (libSQL, LanceDB, the local ONNX
 * embedder), with the model behind route `chat` an msw vLLM fake that echoes the last user message.
 */

const vllm = createOpenAIChatFake({ baseURL: 'http://vllm-1.test/v1', flavour: 'vllm' });
const msw = setupServer(...vllm.handlers);
let server: Awaited<ReturnType<typeof createInProcessServer>>;
let api: ReturnType<typeof client>;
let releaseId: string;

const LABEL = 'staging';

const SERVER = 'http://ragline.test';
const env = { RAGLINE_API_KEY: ADMIN_KEY };
const resolve = (target: TargetDefinition, fetch: FetchLike = (url, init) => server.fetch(url, init)) =>
  resolveTarget(target, { fetch, env, where: 'suite "eval-targets"' });
const ok = async (method: string, path: string, body?: unknown) => {
  const res = await api.call(method, path, body);
  expect([200, 201], `${method} ${path}: ${JSON.stringify(res.json)}`).toContain(res.status);
  return res.json;
};

async function ledgerRecord(requestId: string | undefined): Promise<UsageRecord | undefined> {
  await server.deps.costs?.ledger.flush();
  const records = await server.deps.metadata.ledger.list({
    tenantId: 'default',
    fromMs: 0,
    toMs: Date.now() + 60_000,
    limit: 1000,
  });
  return records.find((record) => record.requestId === requestId);
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((ready) => probe.listen(0, '127.0.0.1', ready));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((done) => probe.close(() => done()));
  return port;
}

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'bypass' });
  server = await createInProcessServer();
  server.deps.gateway = createGateway(
    gatewayConfig([{ name: 'chat', strategy: 'single', targets: [{ ref: 'vllm-1' }] }]),
  );
  api = client(server.fetch, server.baseURL, ADMIN_KEY);
  await ok('POST', '/v1/prices', { entries: [{ target: 'vllm-1', input: '1.00', output: '4.00' }] });
  await server.deps.costs?.prices.reload();
  await seedAnswerFixtures(api.call, { release: false });
  // Not `production`: moving that label needs a passing gated run (the promotion policy).
  const release = await ok('POST', '/v1/releases', {
    prompt: { name: 'support-bot', version: 1 },
    model: { route: 'chat' },
    retrieval: { collection: 'handbook', mode: 'lexical', topK: 5 },
  });
  releaseId = release.id;
  await ok('PUT', `/v1/releases/labels/${LABEL}`, { release: releaseId });
  await ok('POST', '/v1/collections', { name: 'dense', embedder: 'local' });
  await ok('POST', '/v1/collections/dense/documents', { documents: ANSWER_DOCS });
});
afterEach(() => vllm.reset());
afterAll(async () => {
  msw.close();
  await server?.close();
});

describe('release target', () => {
  it('answers every case from the release the label named at the start, with citations and cost', async () => {
    const target = await resolve({ kind: 'release', release: LABEL, server: SERVER });
    expect(target.ref).toEqual({
      kind: 'release',
      id: releaseId,
      description: `release ${LABEL} (${releaseId})`,
      contentHash: releaseId,
    });

    const answer = await target.call({ id: 'receipts', input: RECEIPTS_QUESTION }, RECEIPTS_QUESTION);
    // The fake echoes the prompt: the release's text prompt with the passages and the question.
    expect(answer.output).toContain('You asked: Answer from these passages only');
    expect(answer.output).toContain(`Question: ${RECEIPTS_QUESTION}`);
    const contexts = answer.contexts ?? [];
    // "receipts" is in all three documents; the travel passage about submitting them ranks first.
    expect(contexts.map((context) => context.documentId)).toContain('travel');
    expect(contexts[0]?.documentId).toBe('travel');
    for (const context of contexts) {
      const doc = ANSWER_DOCS.find((d) => d.id === context.documentId);
      expect(doc?.text.slice(context.start, context.end)).toBe(context.text);
      expect(context.chunkId).toMatch(new RegExp(`^${context.documentId}#`));
    }
    const scores = contexts.map((context) => context.score as number);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    const record = await ledgerRecord(answer.requestId);
    expect(record).toMatchObject({ kind: 'chat', releaseId: releaseId, target: 'vllm-1' });
    expect(answer.costMicros).toBeGreaterThan(0);
    expect(answer.costMicros).toBe(record?.costMicros);
    // $1 / M input, $4 / M output tokens.
    expect(answer.costMicros).toBe((record?.inputTokens ?? 0) + 4 * (record?.outputTokens ?? 0));

    const hit = scoreOutput({ name: 'hit', kind: 'hit@k', options: { k: 1 } }, answer, {
      id: 'receipts',
      input: RECEIPTS_QUESTION,
      expectedDocuments: ['travel'],
    });
    expect(hit).toEqual({ score: 1, passed: true });
  });

  it('keeps scoring the release it resolved when the label moves mid-run', async () => {
    const target = await resolve({ kind: 'release', release: LABEL, server: SERVER });
    const other = await ok('POST', '/v1/releases', {
      prompt: { name: 'support-bot', version: 1 },
      model: null,
      retrieval: { collection: 'handbook', mode: 'lexical', topK: 1 },
    });
    expect(other.id).not.toBe(releaseId);
    await ok('PUT', `/v1/releases/labels/${LABEL}`, { release: other.id });
    try {
      const answer = await target.call({ id: 'q', input: RECEIPTS_QUESTION }, RECEIPTS_QUESTION);
      expect(target.ref.contentHash).toBe(releaseId);
      // The moved-to release is extractive with topK 1; the resolved one is generative with topK 5.
      expect(answer.output).toContain('You asked:');
      expect(answer.contexts?.length).toBeGreaterThan(1);
      expect((await ledgerRecord(answer.requestId))?.releaseId).toBe(releaseId);

      const moved = await resolve({ kind: 'release', release: LABEL, server: SERVER });
      expect(moved.ref.contentHash).toBe(other.id);
      const extractive = await moved.call({ id: 'q', input: RECEIPTS_QUESTION }, RECEIPTS_QUESTION);
      expect(extractive.contexts).toHaveLength(1);
      expect(extractive.costMicros).toBeUndefined();
    } finally {
      await ok('PUT', `/v1/releases/labels/${LABEL}`, { release: releaseId });
    }
  });

  it('by id, the description is the id', async () => {
    const target = await resolve({ kind: 'release', release: releaseId, server: SERVER });
    expect(target.ref).toMatchObject({ id: releaseId, description: `release ${releaseId}` });
  });

  it('a 5xx from the server is an EndpointError, and so is an unreachable server', async () => {
    const target = await resolve({ kind: 'release', release: LABEL, server: SERVER });
    vllm.fault(...Array.from({ length: 5 }, () => ({ type: 'status' as const, status: 500 })));
    const failed = target.call({ id: 'q', input: RECEIPTS_QUESTION }, RECEIPTS_QUESTION);
    await expect(failed).rejects.toThrow(EndpointError);
    await expect(failed).rejects.toThrow(/^http:\/\/ragline\.test\/v1\/answer answered 5\d\d /);

    const port = await closedPort();
    const unreachable = resolve(
      { kind: 'release', release: LABEL, server: `http://127.0.0.1:${port}` },
      (url, init) => fetch(url, init),
    );
    await expect(unreachable).rejects.toThrow(EndpointError);
    await expect(unreachable).rejects.toThrow(
      `http://127.0.0.1:${port}/v1/releases/${LABEL} unreachable: Connection error`,
    );
  });

  it('an unknown label is an EndpointError naming the 404', async () => {
    await expect(resolve({ kind: 'release', release: 'nope', server: SERVER })).rejects.toThrow(
      /^http:\/\/ragline\.test\/v1\/releases\/nope answered 404 /,
    );
  });

  it('without a key the server refuses with 401, an EndpointError', async () => {
    const failure = resolveTarget(
      { kind: 'release', release: LABEL, server: SERVER },
      { fetch: (url, init) => server.fetch(url, init), env: {}, where: 'suite "eval-targets"' },
    );
    await expect(failure).rejects.toThrow(EndpointError);
    await expect(failure).rejects.toThrow(/answered 401 /);
  });

  it('runs a suite end to end: one release, retrieval scored, cost recorded', async () => {
    const run = await runSuite(
      {
        name: 'release-smoke',
        target: { kind: 'release', release: LABEL, server: SERVER },
        cases: [
          { id: 'receipts', input: RECEIPTS_QUESTION, expectedDocuments: ['travel'] },
          { id: 'keys', input: 'How often do I rotate API keys?', expectedDocuments: ['keys'] },
        ],
        metrics: [{ name: 'hit@3', kind: 'hit@k', options: { k: 3 } }],
      },
      { fetch: (url, init) => server.fetch(url, init), env },
    );
    expect(run.target.contentHash).toBe(releaseId);
    expect(run.summary).toMatchObject({ cases: 2, errors: 0, incomplete: false });
    expect(run.cases.map((c) => c.repeats[0]?.scores['hit@3'])).toEqual([1, 1]);
    for (const evalCase of run.cases) expect(evalCase.repeats[0]?.costMicros).toBeGreaterThan(0);
  });
});

describe('prompt-model target', () => {
  it('with a collection: a generative answer pinned to the version the label named at the start', async () => {
    await ok('PUT', '/v1/prompts/support-bot/labels/staging', { version: 1 });
    const definition = {
      kind: 'prompt-model',
      prompt: { name: 'support-bot', label: 'staging' },
      model: 'chat',
      collection: 'handbook',
      topK: 2,
      server: SERVER,
    } as const;
    const target = await resolve(definition);
    const handbook = await ok('GET', '/v1/collections/handbook');
    expect(target.ref).toEqual({
      kind: 'prompt-model',
      id: 'support-bot@1',
      description: 'prompt support-bot@1 with model route chat on collection handbook',
      contentHash: promptModelContentHash({
        prompt: 'support-bot',
        version: 1,
        model: 'chat',
        collection: 'handbook',
        topK: 2,
        collectionState: collectionStateOf(handbook),
      }),
    });
    // what the collection holds is part of what was scored
    expect(target.ref.contentHash).not.toBe(
      promptModelContentHash({
        prompt: 'support-bot',
        version: 1,
        model: 'chat',
        collection: 'handbook',
        topK: 2,
      }),
    );

    const v2 = await ok('POST', '/v1/prompts/support-bot/versions', {
      template: 'Version two. {{context}} Q: {{question}}',
      model: 'chat',
    });
    expect(v2.version).toBe(2);
    await ok('PUT', '/v1/prompts/support-bot/labels/staging', { version: 2 });

    const answer = await target.call({ id: 'q', input: RECEIPTS_QUESTION }, RECEIPTS_QUESTION);
    expect(answer.output).toContain('You asked: Answer from these passages only');
    expect(answer.output).not.toContain('Version two');
    expect(answer.contexts).toHaveLength(2);
    expect(answer.contexts?.[0]?.documentId).toBe('travel');
    const record = await ledgerRecord(answer.requestId);
    expect(record).toMatchObject({ promptVersion: 'support-bot@1', releaseId: null });
    expect(answer.costMicros).toBe(record?.costMicros);
    expect(answer.costMicros).toBeGreaterThan(0);

    // Resolved now, the label names version 2: another target, another hash.
    const moved = await resolve(definition);
    expect(moved.ref.id).toBe('support-bot@2');
    expect(moved.ref.contentHash).not.toBe(target.ref.contentHash);
  });

  it('without a collection: the prompt rendered with an empty context, sent to the route', async () => {
    const target = await resolve({
      kind: 'prompt-model',
      prompt: { name: 'support-bot', version: 1 },
      model: 'chat',
      server: SERVER,
    });
    expect(target.ref.id).toBe('support-bot@1');
    const answer = await target.call(
      { id: 'q', input: 'Where do I book flights?' },
      'Where do I book flights?',
    );
    expect(answer.output).toBe(
      'You asked: Answer from these passages only, citing them as [n]:\n\n\nQuestion: Where do I book flights?',
    );
    expect(answer.contexts).toBeUndefined();
    expect(vllm.requests.at(-1)?.body).toMatchObject({ model: 'meta-llama/Llama-3.1-8B-Instruct' });
    const record = await ledgerRecord(answer.requestId);
    expect(record).toMatchObject({ kind: 'chat', route: 'chat', target: 'vllm-1' });
    expect(answer.costMicros).toBe(record?.costMicros);
    expect(answer.costMicros).toBeGreaterThan(0);
  });

  it('an unknown route is an EndpointError, never an extractive answer', async () => {
    const target = await resolve({
      kind: 'prompt-model',
      prompt: { name: 'support-bot', version: 1 },
      model: 'no-such-route',
      collection: 'handbook',
      server: SERVER,
    });
    const failure = target.call({ id: 'q', input: RECEIPTS_QUESTION }, RECEIPTS_QUESTION);
    await expect(failure).rejects.toThrow(EndpointError);
    await expect(failure).rejects.toThrow(/^http:\/\/ragline\.test\/v1\/answer answered 4\d\d /);
  });
});

describe('collection target', () => {
  it('returns the ranked passages of the collection query, and no output', async () => {
    const target = await resolve({
      kind: 'collection',
      collection: 'handbook',
      topK: 2,
      mode: 'lexical',
      server: SERVER,
    });
    expect(target.ref).toMatchObject({
      kind: 'collection',
      id: 'handbook',
      description: 'collection handbook (lexical, top 2)',
    });
    const answer = await target.call({ id: 'q', input: 'rotate keys receipts' }, 'rotate keys receipts');
    expect(answer.output).toBeNull();
    expect(answer.costMicros).toBeUndefined();
    expect(answer.contexts?.map((context) => context.documentId)[0]).toBe('keys');
    expect(answer.contexts).toHaveLength(2);

    const direct = await ok('POST', '/v1/collections/handbook/query', {
      query: 'rotate keys receipts',
      topK: 2,
      mode: 'lexical',
    });
    expect(answer.contexts).toEqual(
      direct.results.map((r: Record<string, unknown>) => ({
        documentId: r.documentId,
        chunkId: r.chunkId,
        text: r.text,
        start: r.start,
        end: r.end,
        score: r.score,
      })),
    );
  });

  it('on a dense collection (local embedder) defaults to hybrid; writes change the content hash', async () => {
    const definition = { kind: 'collection', collection: 'dense', topK: 3, server: SERVER } as const;
    const before = await resolve(definition);
    expect(before.ref.description).toBe('collection dense (hybrid, top 3)');
    expect((await resolve(definition)).ref.contentHash).toBe(before.ref.contentHash);
    const answer = await before.call({ id: 'q', input: 'laptops replaced' }, 'laptops replaced');
    expect(answer.contexts?.[0]?.documentId).toBe('laptops');
    expect(
      scoreOutput({ name: 'mrr', kind: 'mrr' }, answer, {
        id: 'q',
        input: 'laptops replaced',
        expectedDocuments: ['laptops'],
      })?.score,
    ).toBe(1);

    await ok('POST', '/v1/collections/dense/documents', {
      documents: [{ id: 'phones', text: 'Phones are replaced every two years.' }],
    });
    const after = await resolve(definition);
    expect(after.ref.contentHash).not.toBe(before.ref.contentHash);
    expect((await resolve({ ...definition, topK: 4 })).ref.contentHash).not.toBe(after.ref.contentHash);
  });

  it('an unknown collection is an EndpointError naming the 404', async () => {
    await expect(resolve({ kind: 'collection', collection: 'nope', server: SERVER })).rejects.toThrow(
      /^http:\/\/ragline\.test\/v1\/collections\/nope answered 404 /,
    );
  });
});
