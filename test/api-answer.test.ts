import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../packages/server/src/ports/chat-model.js';
import type { UsageRecord } from '../packages/server/src/ports/cost-repositories.js';
import {
  estimateChatInputTokens,
  heuristicEstimator,
} from '../packages/server/src/services/metering/usage-estimate.js';
import { createUpstreams, type GatewayServer, gatewayConfig, startGatewayServer } from './gateway-harness.js';
import {
  expectRealSpans,
  parseSse,
  RECEIPTS_QUESTION,
  seedAnswerFixtures,
} from './support/answer-fixtures.js';

/** POST /v1/answer on the real app over a socket; the model is the msw vLLM fake behind route `chat`. */

const upstreams = createUpstreams();
let server: GatewayServer;
let releaseId: string;

const call = async (method: string, path: string, body?: unknown) => {
  const res = await server.fetch(path.replace(/^\/v1/, ''), {
    method,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json = res.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : null;
  return { status: res.status, headers: res.headers, text, json };
};
const answer = (body: unknown) => call('POST', '/v1/answer', body);

const CONFIG = gatewayConfig([
  { name: 'chat', strategy: 'single', targets: [{ ref: 'vllm-1' }] },
  { name: 'other-chat', strategy: 'single', targets: [{ ref: 'vllm-2' }] },
]);

async function records(): Promise<UsageRecord[]> {
  await server.deps.costs?.ledger.flush();
  return server.deps.metadata.ledger.list({
    tenantId: 'default',
    fromMs: 0,
    toMs: Date.now() + 60_000,
    limit: 1000,
  });
}

beforeAll(async () => {
  upstreams.msw.listen({ onUnhandledRequest: 'bypass' });
  server = await startGatewayServer();
  server.useGateway(CONFIG);
  const prices = await call('POST', '/v1/prices', {
    entries: [{ target: 'vllm-1', input: '1.00', output: '4.00' }],
  });
  expect(prices.status).toBe(201);
  await server.deps.costs?.prices.reload();
  releaseId = (await seedAnswerFixtures(call)) as string;
});
afterEach(() => {
  upstreams.reset();
  server.useGateway(CONFIG);
});
afterAll(async () => {
  upstreams.msw.close();
  await server.close();
});

const lastUpstreamBody = () =>
  upstreams.vllm1.requests.at(-1)?.body as { messages: ChatMessage[]; max_tokens: number };

describe('POST /v1/answer with a release', () => {
  it('answers from the release label with citations of real spans, usage and cost', async () => {
    const res = await answer({ release: 'production', question: RECEIPTS_QUESTION });
    expect(res.status, res.text).toBe(200);
    const body = res.json;
    expect(body).toMatchObject({
      mode: 'generative',
      extractiveReason: null,
      release: { id: releaseId },
      prompt: { name: 'support-bot', version: 1 },
      model: { route: 'chat', target: 'vllm-1', upstreamModel: 'meta-llama/Llama-3.1-8B-Instruct' },
      usage: { source: 'upstream' },
      cost: { basis: 'tokens' },
    });
    expect(body.id).toMatch(/^ans_/);
    expectRealSpans(body.citations);
    expect(body.citations.map((c: { ref: number }) => c.ref)).toEqual(
      body.citations.map((_: unknown, i: number) => i + 1),
    );
    // The best passage about submitting receipts comes first.
    expect(body.citations[0].documentId).toBe('travel');

    // The model saw each passage under its number and document id, and the question.
    const sent = lastUpstreamBody();
    const prompt = String(sent.messages.at(-1)?.content);
    for (const citation of body.citations) {
      expect(prompt).toContain(
        `[${citation.ref}] (document: ${citation.documentId})\n${citation.text.trim()}`,
      );
    }
    expect(prompt).toContain(`Question: ${RECEIPTS_QUESTION}`);
    expect(sent.max_tokens).toBe(1024);
    // The fake echoes the prompt, so the answer refers to every passage: all are cited.
    expect(body.answer).toContain('You asked: Answer from these passages');
    expect(body.citations.every((c: { cited: boolean }) => c.cited)).toBe(true);

    expect(body.usage.inputTokens).toBeGreaterThan(0);
    expect(body.usage.outputTokens).toBeGreaterThan(0);
    expect(body.usage.contextTokens).toBeGreaterThan(0);
    expect(body.usage.contextTokens).toBeLessThanOrEqual(body.usage.contextBudget);
    // $1 / M input, $4 / M output.
    expect(body.cost.micros).toBe(body.usage.inputTokens * 1 + body.usage.outputTokens * 4);
    expect(body.cost.dollars).toBe(`0.${String(body.cost.micros).padStart(6, '0')}`);
    expect(res.headers.get('x-ragline-cost-micros')).toBe(String(body.cost.micros));
  });

  it('meters the model call with the prompt version and the release id', async () => {
    const res = await answer({ release: releaseId, question: RECEIPTS_QUESTION });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');
    const record = (await records()).find((r) => r.requestId === requestId);
    expect(record).toMatchObject({
      kind: 'chat',
      route: 'chat',
      target: 'vllm-1',
      promptVersion: 'support-bot@1',
      releaseId,
      stream: false,
      outcome: 'ok',
      usageSource: 'upstream',
      costMicros: res.json.cost.micros,
      inputTokens: res.json.usage.inputTokens,
      outputTokens: res.json.usage.outputTokens,
    });
    expect(record?.routeVersion).toBe(res.json.model.routeVersion);
  });

  it('answers from the collection version the release pinned', async () => {
    const added = await call('POST', '/v1/collections/handbook/documents', {
      documents: [{ id: 'late', text: 'Receipts submitted late need a manager signature.' }],
    });
    expect(added.status).toBe(200);
    try {
      const pinned = await answer({
        release: 'production',
        question: 'receipts submitted late',
        mode: 'extractive',
      });
      const current = await answer({
        collection: 'handbook',
        question: 'receipts submitted late',
        mode: 'extractive',
      });
      const docs = (res: { json: { citations: { documentId: string }[] } }) =>
        res.json.citations.map((c) => c.documentId);
      expect(docs(current)).toContain('late');
      expect(docs(pinned)).not.toContain('late');
      expect(docs(pinned).length).toBeGreaterThan(0);
    } finally {
      await call('DELETE', '/v1/collections/handbook/documents/late');
    }
  });
});

describe('POST /v1/answer with a prompt and a collection', () => {
  it('uses the prompt model config and marks only the passages the answer cites', async () => {
    const res = await answer({
      collection: 'handbook',
      prompt: { name: 'support-chat', label: 'latest' },
      question: 'What does [2] say about receipts?',
      history: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello! Ask me about the handbook.' },
      ],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ prompt: { name: 'support-chat', version: 1 }, release: null });
    expect(res.json.answer).toBe('You asked: What does [2] say about receipts?');
    expect(res.json.citations.length).toBeGreaterThanOrEqual(2);
    expect(
      res.json.citations.filter((c: { cited: boolean }) => c.cited).map((c: { ref: number }) => c.ref),
    ).toEqual([2]);
    expectRealSpans(res.json.citations);
    const sent = lastUpstreamBody();
    expect(sent.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(String(sent.messages[0]?.content)).toContain('[1] (document: ');
    const record = (await records()).find((r) => r.requestId === res.headers.get('x-request-id'));
    expect(record).toMatchObject({ promptVersion: 'support-chat@1', releaseId: null });
  });

  it('calls the route the request names instead of the prompt model config', async () => {
    const res = await answer({
      collection: 'handbook',
      prompt: { name: 'support-bot' },
      model: 'other-chat',
      question: RECEIPTS_QUESTION,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.model).toMatchObject({ route: 'other-chat', target: 'vllm-2' });
    expect(upstreams.vllm2.requests).toHaveLength(1);
    expect(upstreams.vllm1.requests).toHaveLength(0);
  });

  it('packs the context within the window: prompt + context + max tokens fit, fewer passages when smaller', async () => {
    const wide = await answer({
      collection: 'handbook',
      prompt: { name: 'support-bot' },
      question: 'receipts',
    });
    expect(wide.status).toBe(200);
    const all = wide.json.citations.length;
    expect(all).toBe(3);

    // Just enough room for the prompt, the answer and the first passage or two.
    const contextWindow = estimateChatInputTokens(lastUpstreamBody().messages, heuristicEstimator) + 400 - 10;
    const narrow = await answer({
      collection: 'handbook',
      prompt: { name: 'support-bot' },
      question: 'receipts',
      maxTokens: 400,
      contextWindow,
    });
    expect(narrow.status, narrow.text).toBe(200);
    expect(narrow.json.citations.length).toBeGreaterThan(0);
    expect(narrow.json.citations.length).toBeLessThan(all);
    // The same passages, best first: a prefix of the wide answer's.
    expect(narrow.json.citations.map((c: { chunkId: string }) => c.chunkId)).toEqual(
      wide.json.citations.slice(0, narrow.json.citations.length).map((c: { chunkId: string }) => c.chunkId),
    );
    const sent = lastUpstreamBody();
    expect(sent.max_tokens).toBe(400);
    expect(estimateChatInputTokens(sent.messages, heuristicEstimator) + 400).toBeLessThanOrEqual(
      contextWindow,
    );
    expect(narrow.json.usage.contextBudget).toBeLessThan(wide.json.usage.contextBudget);
  });
});

describe('streaming answers', () => {
  it('sends the citations before the first token, then tokens, then done', async () => {
    const res = await answer({ release: 'production', question: RECEIPTS_QUESTION, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = parseSse(res.text);
    expect(events[0]?.event).toBe('citations');
    expect(events.at(-1)?.event).toBe('done');
    const tokens = events.filter((e) => e.event === 'token');
    expect(tokens.length).toBeGreaterThan(3);
    expect(events.slice(1, -1).every((e) => e.event === 'token')).toBe(true);
    const head = events[0]?.data;
    expect(head).toMatchObject({ mode: 'generative', release: { id: releaseId }, model: { route: 'chat' } });
    expectRealSpans(head.citations);
    const done = events.at(-1)?.data;
    expect(done.answer).toBe(tokens.map((t) => t.data.text).join(''));
    expect(done.answer).toContain('You asked:');
    expect(done.cited).toEqual(head.citations.map((c: { ref: number }) => c.ref));
    expect(done.usage.source).toBe('upstream');
    expect(done.cost.micros).toBe(done.usage.inputTokens + done.usage.outputTokens * 4);
    const record = (await records()).find((r) => r.requestId === res.headers.get('x-request-id'));
    expect(record).toMatchObject({ stream: true, outcome: 'ok', releaseId, promptVersion: 'support-bot@1' });
  });

  it('ends a stream cut after its first token with an error event and no done', async () => {
    upstreams.vllm1.fault({ type: 'cut-after', chunks: 4 });
    const res = await answer({ release: 'production', question: RECEIPTS_QUESTION, stream: true });
    expect(res.status).toBe(200);
    const events = parseSse(res.text);
    expect(events[0]?.event).toBe('citations');
    expect(events.some((e) => e.event === 'token')).toBe(true);
    expect(events.at(-1)?.event).toBe('error');
    expect(events.some((e) => e.event === 'done')).toBe(false);
    expect(events.at(-1)?.data.error).toMatchObject({
      code: 'UPSTREAM_ERROR',
      requestId: res.headers.get('x-request-id'),
    });
    const record = (await records()).find((r) => r.requestId === res.headers.get('x-request-id'));
    expect(record).toMatchObject({ outcome: 'error', usageSource: 'estimated', stream: true });
  });

  it('answers a failure before the first token as a JSON error', async () => {
    upstreams.vllm1.fault({ type: 'status', status: 400 });
    const res = await answer({ release: 'production', question: RECEIPTS_QUESTION, stream: true });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.json.error.code).toBe('INVALID_REQUEST');
  });
});

describe('extractive answers', () => {
  it('answers with the best passages when asked, without calling the model', async () => {
    const res = await answer({ release: 'production', question: RECEIPTS_QUESTION, mode: 'extractive' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      mode: 'extractive',
      extractiveReason: 'requested',
      release: { id: releaseId },
      prompt: null,
      model: null,
      usage: { inputTokens: 0, outputTokens: 0, source: 'none' },
      cost: { micros: 0, basis: 'unpriced' },
    });
    expectRealSpans(res.json.citations);
    for (const citation of res.json.citations) {
      expect(citation.cited).toBe(true);
      expect(res.json.answer).toContain(
        `[${citation.ref}] (document: ${citation.documentId})\n${citation.text}`,
      );
    }
    expect(upstreams.vllm1.requests).toHaveLength(0);
  });

  it('answers a release without a model extractively, though routes exist and its prompt names one', async () => {
    const created = await call('POST', '/v1/releases', {
      prompt: { name: 'support-bot', version: 1 },
      model: null,
      retrieval: { collection: 'handbook', mode: 'lexical', topK: 5 },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json.id).not.toBe(releaseId);
    const res = await answer({ release: created.json.id, question: RECEIPTS_QUESTION });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({
      mode: 'extractive',
      extractiveReason: 'release-has-no-model',
      release: { id: created.json.id },
      model: null,
    });
    expectRealSpans(res.json.citations);
    const generative = await answer({
      release: created.json.id,
      question: RECEIPTS_QUESTION,
      mode: 'generative',
    });
    expect(generative.status).toBe(400);
    expect(generative.json.error.message).toMatch(/^mode: /);
    expect(upstreams.vllm1.requests).toHaveLength(0);
  });

  it('falls back to extractive when the server has no model route at all', async () => {
    server.useGateway(gatewayConfig([]));
    const res = await answer({ release: 'production', question: RECEIPTS_QUESTION });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ mode: 'extractive', extractiveReason: 'no-model' });
    expect(res.json.citations[0].documentId).toBe('travel');
  });

  it('streams an extractive answer as citations, one token and done', async () => {
    const res = await answer({
      collection: 'handbook',
      question: RECEIPTS_QUESTION,
      mode: 'extractive',
      stream: true,
    });
    const events = parseSse(res.text);
    expect(events.map((e) => e.event)).toEqual(['citations', 'token', 'done']);
    expect(events[0]?.data.mode).toBe('extractive');
    expect(events[2]?.data.answer).toBe(events[1]?.data.text);
    expect(events[2]?.data.cited).toEqual(events[0]?.data.citations.map((c: { ref: number }) => c.ref));
  });
});

describe('bad requests', () => {
  it.each([
    [{ release: 'production' }, 'question'],
    [{ release: 'production', question: '   ' }, 'question'],
    [{ release: 'production', question: 'q', collection: 'handbook' }, 'collection'],
    [{ question: 'q', prompt: { name: 'support-bot' } }, 'collection'],
    [{ question: 'q', collection: 'handbook', mode: 'generative' }, 'prompt'],
    [{ question: 'q', collection: 'handbook', model: 'chat' }, 'prompt'],
    [{ release: 'production', question: 'q', variables: { context: 'mine' } }, 'variables.context'],
    [{ release: 'production', question: 'q', mode: 'creative' }, 'mode'],
    [{ release: 'production', question: 'q', relase: 'typo' }, 'relase'],
    [{ release: 'production', question: 'q', maxTokens: 0 }, 'maxTokens'],
    [
      { collection: 'handbook', question: 'q', prompt: { name: 'support-bot', version: 1, label: 'x' } },
      'prompt.version',
    ],
  ])('400 for %j naming %s', async (body, field) => {
    const res = await answer(body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('INVALID_REQUEST');
    expect(res.json.error.message).toContain(field);
  });

  it('400 naming contextWindow when the prompt and max tokens leave no room', async () => {
    const res = await answer({ release: 'production', question: 'q', contextWindow: 1000, maxTokens: 999 });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/^contextWindow:/);
  });

  it('400 naming the variable a prompt needs', async () => {
    const pushed = await call('POST', '/v1/prompts/needs-tone/versions', {
      template: '{{tone}}: {{context}} {{question}}',
      model: 'chat',
    });
    expect(pushed.status).toBe(201);
    const res = await answer({ collection: 'handbook', prompt: { name: 'needs-tone' }, question: 'q' });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('tone');
  });

  it.each([
    [{ release: 'staging', question: 'q' }, 'staging'],
    [{ release: 'rel_000000000000000000000000', question: 'q' }, 'rel_000000000000000000000000'],
    [{ collection: 'nope', prompt: { name: 'support-bot' }, question: 'q' }, 'nope'],
    [{ collection: 'handbook', prompt: { name: 'missing-prompt' }, question: 'q' }, 'missing-prompt'],
    [{ collection: 'handbook', prompt: { name: 'support-bot', version: 9 }, question: 'q' }, 'version 9'],
    [
      { collection: 'handbook', prompt: { name: 'support-bot' }, model: 'no-route', question: 'q' },
      'no-route',
    ],
  ])('404 for %j naming %s', async (body, name) => {
    const res = await answer(body);
    expect(res.status).toBe(404);
    expect(res.json.error.message).toContain(name);
  });

  it("403 when the release's route is outside the key's allowed models", async () => {
    const key = await call('POST', '/v1/keys', { tenant: 'default', allowedModels: ['other-*'] });
    expect(key.status).toBe(201);
    const res = await server.fetch('/answer', {
      method: 'POST',
      headers: { authorization: `Bearer ${key.json.key}` },
      body: JSON.stringify({ release: 'production', question: RECEIPTS_QUESTION }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('chat');
    expect(upstreams.vllm1.requests).toHaveLength(0);
  });
});
