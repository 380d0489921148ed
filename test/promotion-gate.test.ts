import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalRunFixture } from '../packages/server/src/ports/eval-run-document.fixture.js';
import { seedAnswerFixtures } from './support/answer-fixtures.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

/** The release gate: `production` moves only to a release whose latest completed eval run passed. */

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let acme: ReturnType<typeof client>;
let other: ReturnType<typeof client>;
let r1: string;
let r2: string;

const moveProduction = (release: string, api = acme) =>
  api.call('PUT', '/v1/releases/labels/production', { release });
const record = async (run: unknown, api = acme) => {
  const res = await api.post('/v1/evals/runs', { run });
  expect(res.status).toBe(201);
  return res.json.id as string;
};

beforeAll(async () => {
  server = await createInProcessServer();
  const admin = client(server.fetch, server.baseURL, ADMIN_KEY);
  const key = async (tenant: string) => (await admin.post('/v1/keys', { tenant })).json.key as string;
  acme = client(server.fetch, server.baseURL, await key('acme'));
  other = client(server.fetch, server.baseURL, await key('other'));
  await seedAnswerFixtures((method, path, body) => acme.call(method, path, body), { release: false });
  const release = async (topK: number) => {
    const res = await acme.post('/v1/releases', {
      prompt: { name: 'support-bot', version: 1 },
      model: null,
      retrieval: { collection: 'handbook', mode: 'lexical', topK },
    });
    expect(res.status).toBe(201);
    return res.json.id as string;
  };
  r1 = await release(3);
  r2 = await release(4);
});
afterAll(() => server?.close());

describe('moving release label production', () => {
  it('is refused (409) when the release has no completed eval run, and nothing moves', async () => {
    const res = await moveProduction(r1);
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('PROMOTION_REFUSED');
    expect(res.json.error.message).toMatch(new RegExp(`release ${r1} has no completed eval run`));
    expect(res.json.error.details.decision).toEqual({
      allowed: false,
      reason: expect.any(String),
      checks: [{ name: 'eval-run', passed: false, detail: `no completed eval run on release ${r1}` }],
    });
    expect((await acme.get('/v1/releases/labels')).json.data).toEqual([]);
  });

  it('is refused with the failing metrics and their values when the latest run failed', async () => {
    const failed = await record(
      evalRunFixture({ contentHash: r1, scores: [1, 1, 0, 1, 0], regressed: [-0.12, -0.18, -0.06] }),
    );
    const res = await moveProduction(r1);
    expect(res.status).toBe(409);
    expect(res.json.error.message).toContain(
      'did not pass: exact_match mean 0.60 < 0.80; token_f1 regressed vs baseline: -0.12 [-0.18, -0.06]',
    );
    const { checks } = res.json.error.details.decision;
    expect(checks[0]).toMatchObject({ name: 'eval-run', passed: false });
    expect(checks[0].detail).toContain(failed);
    expect(checks.slice(1).map((c: { detail: string; passed: boolean }) => [c.detail, c.passed])).toEqual([
      ['exact_match mean 0.60 < 0.80', false],
      ['token_f1 regressed vs baseline: -0.12 [-0.18, -0.06]', false],
    ]);
  });

  it('is refused when the latest run is incomplete, even though every scored case passed', async () => {
    await record(evalRunFixture({ contentHash: r1, errors: 1 }));
    const res = await moveProduction(r1);
    expect(res.status).toBe(409);
    expect(res.json.error.message).toContain('incomplete: 1 of 6 calls failed');
  });

  it('is allowed once the latest completed run on exactly that release passed, and the decision is kept', async () => {
    const passed = await record(evalRunFixture({ contentHash: r1 }));
    const res = await moveProduction(r1);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ label: 'production', release: r1, moved: true });
    expect(res.json.decision).toMatchObject({ allowed: true, checks: [{ name: 'eval-run', passed: true }] });
    expect(res.json.decision.checks[0].detail).toContain(passed);
    const history = await acme.get('/v1/releases/labels/production/history');
    expect(history.json.data[0]).toMatchObject({ toRelease: r1, decision: res.json.decision });
  });

  it('is refused for a different release even though another release passed', async () => {
    const res = await moveProduction(r2);
    expect(res.status).toBe(409);
    expect(res.json.error.details.decision.checks).toEqual([
      { name: 'eval-run', passed: false, detail: `no completed eval run on release ${r2}` },
    ]);
    expect((await acme.get('/v1/releases/production')).json.id).toBe(r1);
  });

  it('follows the latest run: a newer failing run on a release closes the gate again', async () => {
    await record(evalRunFixture({ contentHash: r2 }));
    expect((await moveProduction(r2)).status).toBe(200);
    await record(evalRunFixture({ contentHash: r1, scores: [0, 0, 0, 1, 1] }));
    const back = await moveProduction(r1);
    expect(back.status).toBe(409);
    expect(back.json.error.message).toContain('exact_match mean 0.40 < 0.80');
  });

  it('decides from the gate records, not from what the posted summary claims', async () => {
    const claimed = evalRunFixture({ contentHash: r1, scores: [0, 0, 1, 1, 1] });
    const recorded = await acme.post('/v1/evals/runs', {
      run: { ...claimed, summary: { ...claimed.summary, passed: true } },
    });
    expect(recorded.json).toMatchObject({ passed: false, failing: ['exact_match mean 0.60 < 0.80'] });
    expect((await moveProduction(r1)).status).toBe(409);
  });

  it('does not count a run without any gate as passing', async () => {
    const ungated = evalRunFixture({ contentHash: r1 });
    const recorded = await acme.post('/v1/evals/runs', {
      run: { ...ungated, gates: { absolute: [], baseline: [] } },
    });
    expect(recorded.json).toMatchObject({ passed: false, failing: [expect.stringMatching(/^ungated/)] });
    const res = await moveProduction(r1);
    expect(res.status).toBe(409);
    expect(res.json.error.message).toContain('ungated');
  });

  it('counts only the tenant’s own runs', async () => {
    // another tenant's passing run on the same id opens nothing for acme, nor acme's runs for it
    await record(evalRunFixture({ contentHash: r1 }), other);
    expect((await moveProduction(r1)).status).toBe(409);
    expect((await moveProduction(r2, other)).status).toBe(404);
  });

  it('leaves labels the policy does not gate alone', async () => {
    const res = await acme.call('PUT', '/v1/releases/labels/staging', { release: r1 });
    expect(res.status).toBe(200);
    expect(res.json.decision).toMatchObject({ allowed: true, checks: [] });
    expect(res.json.decision.reason).toMatch(/no promotion gate applies/);
  });
});
