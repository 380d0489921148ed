import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serverRunsSettled } from '../packages/server/src/services/evals/start-server-run.js';
import { createOpenAIChatFake } from '../packages/server/src/testing/openai-chat-fake/openai-chat-fake.js';
import { RECEIPTS_QUESTION, seedAnswerFixtures } from './support/answer-fixtures.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

/**
 * Server-side runs (POST /v1/evals/runs with a suite): the real app runs the suite in the background,
 * calling itself in process as the caller; the model behind route `chat` is the msw vLLM fake, which
 * answers "You asked: <last user message>".
 */

const CONFIG = `
targets:
  - { id: vllm-1, kind: vllm, model: meta-llama/Llama-3.1-8B-Instruct, baseURL: "http://vllm-1.test/v1" }
routes:
  - { name: chat, targets: [{ ref: vllm-1 }] }
`;

const vllm = createOpenAIChatFake({ baseURL: 'http://vllm-1.test/v1', flavour: 'vllm' });
const msw = setupServer(...vllm.handlers);
let server: Awaited<ReturnType<typeof createInProcessServer>>;
let acme: ReturnType<typeof client>;
let other: ReturnType<typeof client>;

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'bypass' });
  server = await createInProcessServer({ env: { RAGLINE_CONFIG_YAML: CONFIG } });
  const admin = client(server.fetch, server.baseURL, ADMIN_KEY);
  const key = async (tenant: string) => (await admin.post('/v1/keys', { tenant })).json.key as string;
  acme = client(server.fetch, server.baseURL, await key('acme'));
  other = client(server.fetch, server.baseURL, await key('other'));
});
afterEach(() => vllm.reset());
afterAll(async () => {
  msw.close();
  await server?.close();
});

const endpointSuite = (extra: Record<string, unknown> = {}) => ({
  name: 'echo',
  cases: [
    { id: 'two', input: '2+2', expected: 'You asked: 2+2' },
    { id: 'capital', input: 'capital of France', expected: 'You asked: capital of France' },
    { id: 'wrong', input: 'hello', expected: 'Paris' },
  ],
  target: { kind: 'endpoint', baseURL: `${server.baseURL}/v1`, model: 'chat' },
  metrics: [{ name: 'exact', kind: 'equals' }],
  repeats: 2,
  concurrency: 2,
  gate: { absolute: [{ metric: 'exact', threshold: 0.9 }] },
  ...extra,
});

async function waitForEnd(api: ReturnType<typeof client>, id: string) {
  await serverRunsSettled(server.deps);
  return api.get(`/v1/evals/runs/${id}`);
}

describe('POST /v1/evals/runs with a suite', () => {
  it('answers 202 queued, runs every case x repeat through this server as the caller, and stores the run', async () => {
    const started = await acme.post('/v1/evals/runs', { suite: endpointSuite() });
    expect(started.status).toBe(202);
    expect(started.json).toMatchObject({
      source: 'server',
      status: 'queued',
      progress: { done: 0, total: 6 },
      suite: { name: 'echo', hash: null },
      target: { kind: 'endpoint', id: null, contentHash: null },
      passed: null,
    });
    const polled = await acme.get(`/v1/evals/runs/${started.json.id}`);
    expect(['queued', 'running', 'completed']).toContain(polled.json.status);

    const done = await waitForEnd(acme, started.json.id);
    expect(done.json).toMatchObject({
      status: 'completed',
      progress: { done: 6, total: 6 },
      suite: { name: 'echo' },
      target: { kind: 'endpoint' },
      passed: false,
      incomplete: false,
      // two of three cases are exact: mean 0.67
      failing: ['exact mean 0.67 < 0.90'],
      summary: { cases: 3, errors: 0, incomplete: false, passed: false },
      error: null,
    });
    expect(done.json.target.contentHash).toMatch(/^[0-9a-f]{16}$/);
    expect(
      done.json.run.cases.map((c: { id: string; repeats: unknown[] }) => [c.id, c.repeats.length]),
    ).toEqual([
      ['two', 2],
      ['capital', 2],
      ['wrong', 2],
    ]);
    expect(done.json.run.cases[0].repeats[0]).toMatchObject({
      output: 'You asked: 2+2',
      scores: { exact: 1 },
    });
    expect(done.json.gates.absolute).toEqual([
      expect.objectContaining({ metric: 'exact', passed: false, threshold: 0.9 }),
    ]);
    // every call reached the model through the gateway, metered to the caller's tenant
    expect(vllm.requests.filter((r) => r.endpoint === 'chat')).toHaveLength(6);
    await server.deps.costs?.ledger.flush();
    const usage = await server.deps.metadata.ledger.list({
      tenantId: 'acme',
      fromMs: 0,
      toMs: Date.now() + 60_000,
      limit: 100,
    });
    expect(usage.filter((r) => r.route === 'chat')).toHaveLength(6);
    expect((await other.get(`/v1/evals/runs/${started.json.id}`)).status).toBe(404);
  });

  it('runs against a release by label: the run is stored on the release id', async () => {
    const releaseId = (await seedAnswerFixtures((method, path, body) =>
      acme.call(method, path, body),
    )) as string;
    const suite = {
      name: 'receipts',
      cases: [{ id: 'receipts', input: RECEIPTS_QUESTION, expected: 'receipts' }],
      // no target: with `release`, the release on this server is the target
      metrics: [{ name: 'mentions', kind: 'contains', options: { needles: ['receipts'] } }],
      gate: { absolute: [{ metric: 'mentions', threshold: 1 }] },
    };
    const started = await acme.post('/v1/evals/runs', { suite, release: 'production' });
    expect(started.status).toBe(202);
    expect(started.json.target).toEqual({ kind: 'release', id: 'production', contentHash: null });
    const done = await waitForEnd(acme, started.json.id);
    expect(done.json.error).toBeNull();
    expect(done.json).toMatchObject({
      status: 'completed',
      progress: { done: 1, total: 1 },
      target: { kind: 'release', id: releaseId, contentHash: releaseId },
      passed: true,
      failing: [],
    });
    const onRelease = await acme.get(`/v1/evals/runs?release=${releaseId}&status=completed`);
    expect(onRelease.json.data.map((r: { id: string }) => r.id)).toContain(started.json.id);
  });

  it('compares with a stored baseline run: a consistent drop is a regression', async () => {
    const cases = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({
      id,
      input: id,
      expected: `You asked: ${id}`,
    }));
    const gated = (expected: (id: string) => string) =>
      endpointSuite({
        cases: cases.map((item) => ({ ...item, expected: expected(item.id) })),
        repeats: 1,
        gate: { baseline: { margin: 0.1, seed: 3 } },
      });
    const base = await acme.post('/v1/evals/runs', { suite: gated((id) => `You asked: ${id}`) });
    // without a baseline of its own this suite has no gate: completed, but proving nothing
    expect((await waitForEnd(acme, base.json.id)).json).toMatchObject({ status: 'completed', passed: false });

    const candidate = await acme.post('/v1/evals/runs', {
      suite: gated((id) => `no ${id}`),
      baseline: base.json.id,
    });
    expect(candidate.status).toBe(202);
    const done = await waitForEnd(acme, candidate.json.id);
    expect(done.json).toMatchObject({ status: 'completed', passed: false });
    expect(done.json.failing).toEqual(['exact regressed vs baseline: -1.00 [-1.00, -1.00]']);
    expect(done.json.gates.baselineRef).toMatchObject({ contentHash: done.json.target.contentHash });

    const missing = await acme.post('/v1/evals/runs', { suite: gated((id) => id), baseline: 'evr_nope' });
    expect(missing.status).toBe(404);
    expect(missing.json.error.message).toMatch(/^baseline: /);
    const foreign = await other.post('/v1/evals/runs', { suite: gated((id) => id), baseline: base.json.id });
    expect(foreign.status).toBe(404);
  });

  it('marks the run failed with the error when it cannot finish, never losing it', async () => {
    // no case has an expected value: the absolute gate has no data, a configuration error found mid-run
    const suite = endpointSuite({ cases: [{ id: 'a', input: 'hi' }], repeats: 1 });
    const started = await acme.post('/v1/evals/runs', { suite });
    expect(started.status).toBe(202);
    const done = await waitForEnd(acme, started.json.id);
    expect(done.json).toMatchObject({ status: 'failed', passed: null, run: null, summary: null });
    expect(done.json.error).toMatch(/gate\.absolute\[0\].*expected values/);
  });

  it('answers 400 naming the suite field, and refuses URLs that are not this server', async () => {
    const badMetric = await acme.post('/v1/evals/runs', {
      suite: endpointSuite({ metrics: [{ name: 'exact', kind: 'telepathy' }] }),
    });
    expect(badMetric.status).toBe(400);
    expect(badMetric.json.error.message).toMatch(/^suite\.metrics\[0\]\.kind: /);
    const dataset = await acme.post('/v1/evals/runs', {
      suite: { ...endpointSuite(), cases: undefined, dataset: 'cases.jsonl' },
    });
    expect(dataset.json.error.message).toMatch(/^suite\.dataset: server-side runs take the cases inline/);
    const elsewhere = await acme.post('/v1/evals/runs', {
      suite: endpointSuite({ target: { kind: 'endpoint', baseURL: 'http://vllm-1.test/v1', model: 'x' } }),
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.json.error.message).toMatch(
      /^suite\.target\.baseURL: http:\/\/vllm-1\.test\/v1 is not this server/,
    );
    const noRelease = await acme.post('/v1/evals/runs', { suite: endpointSuite(), release: 'nowhere' });
    expect(noRelease.status).toBe(404);
    expect((await acme.get('/v1/evals/runs?status=queued')).json.data).toEqual([]);
    expect(vllm.requests).toHaveLength(0);
  });
});
