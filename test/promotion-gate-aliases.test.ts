import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalRunFixture } from '../packages/server/src/ports/eval-run-document.fixture.js';
import { seedAnswerFixtures } from './support/answer-fixtures.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

/**
 * The tenant's eval policy (GET/PUT /v1/evals/policy) gating prompt labels and model aliases, and admin
 * overrides of the gate, recorded in the label history.
 */

const CONFIG = `
targets:
  - { id: vllm-1, kind: vllm, model: meta-llama/Llama-3.1-8B-Instruct, baseURL: "http://vllm-1.test/v1" }
routes:
  - { name: chat, targets: [{ ref: vllm-1 }] }
`;

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let admin: ReturnType<typeof client>;
let acme: ReturnType<typeof client>;
let acmeAdmin: ReturnType<typeof client>;

const put = (api: ReturnType<typeof client>, path: string, body: unknown) => api.call('PUT', path, body);
const record = async (run: unknown) => {
  const res = await acme.post('/v1/evals/runs', { run });
  expect(res.status).toBe(201);
  return res.json.id as string;
};

beforeAll(async () => {
  server = await createInProcessServer({ env: { RAGLINE_CONFIG_YAML: CONFIG } });
  admin = client(server.fetch, server.baseURL, ADMIN_KEY);
  const key = async (body: object) => (await admin.post('/v1/keys', body)).json.key as string;
  acme = client(server.fetch, server.baseURL, await key({ tenant: 'acme' }));
  acmeAdmin = client(server.fetch, server.baseURL, await key({ tenant: 'acme', admin: true }));
  await seedAnswerFixtures((method, path, body) => acme.call(method, path, body), { release: false });
  // support-bot v2
  expect((await acme.post('/v1/prompts/support-bot/versions', { template: 'v2: {{question}}' })).status).toBe(
    201,
  );
});
afterAll(() => server?.close());

describe('the eval policy', () => {
  it('defaults to gating release production only; only admin keys change it', async () => {
    expect((await acme.get('/v1/evals/policy')).json).toEqual({
      tenant: 'acme',
      policy: { gatedLabels: { release: ['production'], prompt: [], model: [] } },
      isDefault: true,
      updatedAt: null,
      updatedBy: null,
    });
    // prompt labels move freely under the default
    expect((await put(acme, '/v1/prompts/support-bot/labels/production', { version: 1 })).status).toBe(200);

    const policy = { gatedLabels: { release: ['production'], prompt: ['production'], model: ['champion'] } };
    const refused = await put(acme, '/v1/evals/policy', policy);
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('FORBIDDEN');
    const bad = await put(admin, '/v1/evals/policy', {
      gatedLabels: { release: ['Not A Label'], prompt: [], model: [] },
      tenant: 'acme',
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/^gatedLabels\.release\[0\]: /);
    const set = await put(admin, '/v1/evals/policy', { ...policy, tenant: 'acme' });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({
      tenant: 'acme',
      policy,
      isDefault: false,
      updatedBy: expect.any(String),
    });
    expect((await acme.get('/v1/evals/policy')).json.policy).toEqual(policy);
    // the admin's own tenant keeps the default
    expect((await admin.get('/v1/evals/policy')).json.isDefault).toBe(true);
  });
});

describe('a gated prompt label', () => {
  it('is refused without a covering run, allowed with a passing prompt-model run on name@version', async () => {
    const refused = await put(acme, '/v1/prompts/support-bot/labels/production', { version: 2 });
    expect(refused.status).toBe(409);
    expect(refused.json.error.details.decision.checks).toEqual([
      { name: 'eval-run', passed: false, detail: 'no completed eval run on prompt support-bot@2' },
    ]);
    // a run on another version does not count
    await record(evalRunFixture({ kind: 'prompt-model', id: 'support-bot@1', contentHash: 'pm-v1-chat' }));
    expect((await put(acme, '/v1/prompts/support-bot/labels/production', { version: 2 })).status).toBe(409);
    // a failing run on v2 lists its metrics
    await record(
      evalRunFixture({
        kind: 'prompt-model',
        id: 'support-bot@2',
        contentHash: 'pm-v2-chat',
        scores: [0, 1, 1, 1, 0],
      }),
    );
    const failing = await put(acme, '/v1/prompts/support-bot/labels/production', { version: 2 });
    expect(failing.status).toBe(409);
    expect(failing.json.error.message).toContain('exact_match mean 0.60 < 0.80');
    await record(evalRunFixture({ kind: 'prompt-model', id: 'support-bot@2', contentHash: 'pm-v2-chat' }));
    const allowed = await put(acme, '/v1/prompts/support-bot/labels/production', { version: 2 });
    expect(allowed.status).toBe(200);
    expect(allowed.json.decision).toMatchObject({
      allowed: true,
      checks: [{ name: 'eval-run', passed: true }],
    });
  });

  it('is covered by a passing release run whose release pins that prompt version', async () => {
    expect(
      (await acme.post('/v1/prompts/support-chat/versions', { template: 'again {{question}}' })).status,
    ).toBe(201);
    const refused = await put(acme, '/v1/prompts/support-chat/labels/production', { version: 2 });
    expect(refused.status).toBe(409);
    const release = await acme.post('/v1/releases', {
      prompt: { name: 'support-chat', version: 2 },
      model: null,
      retrieval: { collection: 'handbook', mode: 'lexical', topK: 2 },
    });
    await record(evalRunFixture({ contentHash: release.json.id }));
    expect((await put(acme, '/v1/prompts/support-chat/labels/production', { version: 2 })).status).toBe(200);
    // the release pins v2, not v1
    expect((await put(acme, '/v1/prompts/support-chat/labels/production', { version: 1 })).status).toBe(409);
  });
});

describe('a gated model alias', () => {
  it('is covered only by a passing run on a release that pins that model version', async () => {
    for (const message of ['first', 'second']) {
      const res = await acme.post('/v1/registry/models/assistant/versions', {
        spec: { route: 'chat' },
        message,
      });
      expect(res.status).toBe(201);
    }
    const refused = await put(acme, '/v1/registry/models/assistant/aliases/champion', { version: 2 });
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('PROMOTION_REFUSED');
    const release = await acme.post('/v1/releases', {
      prompt: { name: 'support-bot', version: 1 },
      model: { name: 'assistant', version: 2 },
      retrieval: { collection: 'handbook', mode: 'lexical', topK: 5 },
    });
    expect(release.status).toBe(201);
    await record(evalRunFixture({ contentHash: release.json.id }));
    expect((await put(acme, '/v1/registry/models/assistant/aliases/champion', { version: 2 })).status).toBe(
      200,
    );
    expect((await put(acme, '/v1/registry/models/assistant/aliases/champion', { version: 1 })).status).toBe(
      409,
    );
    // an ungated alias moves freely
    expect((await put(acme, '/v1/registry/models/assistant/aliases/challenger', { version: 1 })).status).toBe(
      200,
    );
  });
});

describe('overriding the gate', () => {
  const release = async () =>
    (
      await acme.post('/v1/releases', {
        prompt: { name: 'support-bot', version: 2 },
        model: null,
        retrieval: { collection: 'handbook', mode: 'lexical', topK: 7 },
      })
    ).json.id as string;

  it('needs an admin key: 403 naming override, and nothing moves', async () => {
    const id = await release();
    const res = await put(acme, '/v1/releases/labels/production', {
      release: id,
      override: { reason: 'hotfix' },
    });
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({
      code: 'FORBIDDEN',
      message: 'override: only an admin key may override the promotion policy',
    });
    const empty = await put(acmeAdmin, '/v1/releases/labels/production', {
      release: id,
      override: { reason: '  ' },
    });
    expect(empty.status).toBe(400);
    expect(empty.json.error.message).toMatch(/^override\.reason: /);
    expect((await acme.get('/v1/releases/labels')).json.data).toEqual([]);
  });

  it('by an admin key moves the label and records the override, who, and the failed checks', async () => {
    const id = await release();
    const res = await put(acmeAdmin, '/v1/releases/labels/production', {
      release: id,
      override: { reason: 'incident 42: roll forward now, eval tomorrow' },
    });
    expect(res.status).toBe(200);
    const { decision } = res.json;
    expect(decision).toMatchObject({
      allowed: true,
      override: {
        reason: 'incident 42: roll forward now, eval tomorrow',
        by: expect.stringMatching(/^key_/),
      },
      checks: [{ name: 'eval-run', passed: false, detail: `no completed eval run on release ${id}` }],
    });
    expect(decision.reason).toMatch(
      new RegExp(
        `^overridden by admin key ${decision.override.by}: incident 42: .* \\(the policy refused: .*no completed eval run`,
      ),
    );
    const history = await acme.get('/v1/releases/labels/production/history');
    expect(history.json.data[0]).toMatchObject({ toRelease: id, by: decision.override.by, decision });

    // prompt labels take the override too
    expect(
      (await acme.post('/v1/prompts/support-bot/versions', { template: 'v3: {{question}}' })).status,
    ).toBe(201);
    const prompt = await put(acmeAdmin, '/v1/prompts/support-bot/labels/production', {
      version: 3,
      override: { reason: 'copy fix' },
    });
    expect(prompt.status).toBe(200);
    const promptHistory = await acme.get('/v1/prompts/support-bot/labels/history?label=production');
    expect(promptHistory.json.data[0].decision.override.reason).toBe('copy fix');
  });
});
