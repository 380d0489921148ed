import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalRunFixture } from '../packages/server/src/ports/eval-run-document.fixture.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

/** Recording CLI runs and reading them back: POST/GET /v1/evals/runs on the real app and libSQL. */

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let acme: ReturnType<typeof client>;
let other: ReturnType<typeof client>;

beforeAll(async () => {
  server = await createInProcessServer();
  const admin = client(server.fetch, server.baseURL, ADMIN_KEY);
  const key = async (tenant: string) => (await admin.post('/v1/keys', { tenant })).json.key as string;
  acme = client(server.fetch, server.baseURL, await key('acme'));
  other = client(server.fetch, server.baseURL, await key('other'));
});
afterAll(() => server?.close());

const RELEASE_A = 'rel_aaaaaaaaaaaaaaaaaaaaaaaa';
const RELEASE_B = 'rel_bbbbbbbbbbbbbbbbbbbbbbbb';

describe('POST /v1/evals/runs with a run document', () => {
  it('stores it completed with its verdict, failing gates and the document, and lists it', async () => {
    const run = evalRunFixture({
      contentHash: RELEASE_A,
      scores: [1, 1, 0, 1, 0],
      regressed: [-0.12, -0.18, -0.06],
    });
    const res = await acme.post('/v1/evals/runs', { run });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      source: 'recorded',
      status: 'completed',
      progress: { done: 5, total: 5 },
      suite: { name: 'smoke', hash: 'suitehash0001' },
      target: { kind: 'release', id: RELEASE_A, contentHash: RELEASE_A },
      passed: false,
      incomplete: false,
      // 3 of 5 pass: mean 0.6
      failing: ['exact_match mean 0.60 < 0.80', 'token_f1 regressed vs baseline: -0.12 [-0.18, -0.06]'],
      error: null,
      summary: { cases: 5, errors: 0, incomplete: false, passed: false },
    });
    expect(res.json.id).toMatch(/^evr_[0-9a-f]{24}$/);
    expect(res.json.run).toEqual(run);

    const got = await acme.get(`/v1/evals/runs/${res.json.id}`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual(res.json);
    expect(got.json.gates.absolute[0]).toMatchObject({ metric: 'exact_match', value: 0.6, passed: false });

    const passing = await acme.post('/v1/evals/runs', { run: evalRunFixture({ contentHash: RELEASE_B }) });
    expect(passing.json).toMatchObject({ passed: true, failing: [] });

    const all = await acme.get('/v1/evals/runs');
    expect(all.json.data.map((r: { id: string }) => r.id)).toEqual([passing.json.id, res.json.id]);
    expect(all.json.data[0]).not.toHaveProperty('run');
    const onA = await acme.get(`/v1/evals/runs?release=${RELEASE_A}`);
    expect(onA.json.data.map((r: { id: string }) => r.id)).toEqual([res.json.id]);
    const byHash = await acme.get(`/v1/evals/runs?contentHash=${RELEASE_B}`);
    expect(byHash.json.data.map((r: { id: string }) => r.id)).toEqual([passing.json.id]);
    const page = await acme.get('/v1/evals/runs?limit=1');
    expect(page.json.nextBefore).toBe(passing.json.id);
    const next = await acme.get(`/v1/evals/runs?limit=1&before=${page.json.nextBefore}`);
    expect(next.json.data.map((r: { id: string }) => r.id)).toEqual([res.json.id]);
  });

  it('keeps runs to their tenant', async () => {
    const mine = await acme.post('/v1/evals/runs', { run: evalRunFixture({ contentHash: RELEASE_A }) });
    expect(mine.status).toBe(201);
    const theirs = await other.get(`/v1/evals/runs/${mine.json.id}`);
    expect(theirs.status).toBe(404);
    expect(theirs.json.error.code).toBe('NOT_FOUND');
    expect((await other.get('/v1/evals/runs')).json.data).toEqual([]);
    expect((await other.get(`/v1/evals/runs?release=${RELEASE_A}`)).json.data).toEqual([]);
  });

  it('answers 400 naming the field of a document that is not a run', async () => {
    const run = evalRunFixture({ contentHash: RELEASE_A }) as unknown as Record<string, unknown>;
    const noCaseId = structuredClone(run) as { cases: { id?: string }[] };
    delete noCaseId.cases[1]?.id;
    const res = await acme.post('/v1/evals/runs', { run: noCaseId });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'run.cases[1].id: expected a string, got nothing',
    });
    const badKind = await acme.post('/v1/evals/runs', {
      run: { ...run, target: { kind: 'moon', contentHash: 'x' } },
    });
    expect(badKind.status).toBe(400);
    expect(badKind.json.error.message).toMatch(/^run\.target\.kind: expected one of release, prompt-model/);
    const notObject = await acme.post('/v1/evals/runs', { run: [1] });
    expect(notObject.json.error.message).toBe('run: expected an object, got an array');
    expect(
      (await acme.get('/v1/evals/runs?limit=100')).json.data.every(
        (r: { status: string }) => r.status === 'completed',
      ),
    ).toBe(true);
  });

  it('answers 400 for a body with neither or both of run and suite, or unknown fields', async () => {
    const run = evalRunFixture({ contentHash: RELEASE_A });
    expect((await acme.post('/v1/evals/runs', {})).json.error.message).toMatch(/^run: give exactly one of/);
    expect((await acme.post('/v1/evals/runs', { run, suite: {} })).status).toBe(400);
    expect((await acme.post('/v1/evals/runs', { run, colour: 'red' })).json.error.message).toBe(
      'colour: unknown field',
    );
    expect((await acme.post('/v1/evals/runs', { run, release: 'production' })).json.error.message).toBe(
      'release: only with `suite`',
    );
  });

  it('answers 404 for a run that does not exist, 400 for a bad list filter', async () => {
    expect((await acme.get('/v1/evals/runs/evr_000000000000000000000000')).status).toBe(404);
    const bad = await acme.get('/v1/evals/runs?status=sleeping');
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/^status: /);
  });
});
