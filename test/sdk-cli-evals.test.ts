import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermissionDeniedError, Ragline } from '@ragline/sdk';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../packages/server/src/cli/main.js';
import { evalRunFixture } from '../packages/server/src/ports/eval-run-document.fixture.js';
import { createOpenAIChatFake } from '../packages/server/src/testing/openai-chat-fake/openai-chat-fake.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

/** `ragline.evals` in the SDK and `ragline eval` in the CLI, against the real app (model: msw vLLM fake). */

const CONFIG = `
targets:
  - { id: vllm-1, kind: vllm, model: meta-llama/Llama-3.1-8B-Instruct, baseURL: "http://vllm-1.test/v1" }
routes:
  - { name: chat, targets: [{ ref: vllm-1 }] }
`;

const vllm = createOpenAIChatFake({ baseURL: 'http://vllm-1.test/v1', flavour: 'vllm' });
const msw = setupServer(...vllm.handlers);
let server: Awaited<ReturnType<typeof createInProcessServer>>;
let tenantKey: string;
let sdk: Ragline;
let folder: string;

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'bypass' });
  server = await createInProcessServer({ env: { RAGLINE_CONFIG_YAML: CONFIG } });
  const admin = new Ragline({
    baseURL: server.baseURL,
    apiKey: ADMIN_KEY,
    fetch: server.fetch as typeof fetch,
  });
  tenantKey = (await admin.keys.create({ tenant: 'acme' })).key;
  sdk = new Ragline({
    baseURL: server.baseURL,
    apiKey: tenantKey,
    fetch: server.fetch as typeof fetch,
    maxRetries: 0,
  });
  folder = await mkdtemp(join(tmpdir(), 'ragline-evals-'));
});
afterAll(async () => {
  msw.close();
  await server?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('ragline.evals', () => {
  it('records, gets and lists runs, and reads the policy (setting it needs an admin key)', async () => {
    const recorded = await sdk.evals.runs.record(
      evalRunFixture({ contentHash: 'rel_aaaaaaaaaaaaaaaaaaaaaaaa' }),
    );
    expect(recorded).toMatchObject({ status: 'completed', passed: true, source: 'recorded' });
    expect((await sdk.evals.runs.get(recorded.id)).summary).toEqual({
      cases: 5,
      errors: 0,
      incomplete: false,
      passed: true,
    });
    const listed = await sdk.evals.runs.list({ release: 'rel_aaaaaaaaaaaaaaaaaaaaaaaa' });
    expect(listed.data.map((r) => r.id)).toEqual([recorded.id]);
    expect((await sdk.evals.policy.get()).policy.gatedLabels.release).toEqual(['production']);
    await expect(
      sdk.evals.policy.set({ gatedLabels: { release: [], prompt: [], model: [] } }),
    ).rejects.toBeInstanceOf(PermissionDeniedError);
  });

  it('starts a server-side run and polls it to completion', async () => {
    const started = await sdk.evals.runs.create({
      suite: {
        name: 'echo',
        cases: [{ id: 'a', input: 'ping', expected: 'You asked: ping' }],
        target: { kind: 'endpoint', baseURL: `${server.baseURL}/v1`, model: 'chat' },
        metrics: [{ name: 'exact', kind: 'equals' }],
        gate: { absolute: [{ metric: 'exact', threshold: 1 }] },
      },
    });
    expect(started).toMatchObject({ status: 'queued', progress: { done: 0, total: 1 } });
    let run = await sdk.evals.runs.get(started.id);
    for (let i = 0; i < 200 && (run.status === 'queued' || run.status === 'running'); i++) {
      await new Promise((r) => setTimeout(r, 10));
      run = await sdk.evals.runs.get(started.id);
    }
    expect(run).toMatchObject({ status: 'completed', passed: true, progress: { done: 1, total: 1 } });
  });
});

describe('ragline eval', () => {
  async function cli(args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      env: { RAGLINE_URL: server.baseURL },
      cwd: folder,
      clientOptions: { fetch: server.fetch as typeof fetch, maxRetries: 0 },
    });
    return { code, stdout, stderr };
  }

  const suite = (expected: string) => `
name: echo
cases:
  - { id: a, input: ping, expected: "${expected}" }
target: { kind: endpoint, baseURL: "${server.baseURL}/v1", model: chat, apiKeyEnv: RAGLINE_API_KEY }
metrics:
  - { name: exact, kind: equals }
gate:
  absolute:
    - { metric: exact, threshold: 1 }
`;

  it('runs a suite with the eval CLI and exits with its code: 0 pass, 1 gate failed, 2 config error', async () => {
    await writeFile(join(folder, 'pass.yaml'), suite('You asked: ping'));
    await writeFile(join(folder, 'fail.yaml'), suite('pong'));
    const passed = await cli(['--api-key', tenantKey, 'eval', 'run', 'pass.yaml', '--json', 'run.json']);
    expect(passed.code, passed.stderr).toBe(0);
    const run = JSON.parse(await readFile(join(folder, 'run.json'), 'utf8'));
    expect(run.summary).toMatchObject({ passed: true, cases: 1 });
    // the run it wrote records on the server as is
    expect((await sdk.evals.runs.record(run)).passed).toBe(true);

    const failed = await cli(['--api-key', tenantKey, 'eval', 'run', 'fail.yaml']);
    expect(failed.code).toBe(1);
    const missing = await cli(['--api-key', tenantKey, 'eval', 'run', 'nope.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^ragline-eval: /);
  });

  it('overrides a refused label move with --override and an admin key, and records why', async () => {
    const admin = new Ragline({
      baseURL: server.baseURL,
      apiKey: ADMIN_KEY,
      fetch: server.fetch as typeof fetch,
    });
    const member = (await admin.keys.create({ tenant: 'default' })).key;
    await admin.prompts.create('gated-bot', { template: 'Hi {{name}}' });
    await admin.evals.policy.set({
      gatedLabels: { release: ['production'], prompt: ['production'], model: [] },
    });

    const refused = await cli(['--api-key', ADMIN_KEY, 'prompts', 'label', 'gated-bot@1', 'production']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('PROMOTION_REFUSED');
    const notAdmin = await cli([
      '--api-key',
      member,
      'prompts',
      'label',
      'gated-bot@1',
      'production',
      '--override',
      'hotfix',
    ]);
    expect(notAdmin.code).not.toBe(0);
    expect(notAdmin.stderr).toContain('only an admin key may override');
    const blank = await cli([
      '--api-key',
      ADMIN_KEY,
      'prompts',
      'label',
      'gated-bot@1',
      'production',
      '--override',
      ' ',
    ]);
    expect(blank.code).not.toBe(0);
    expect(blank.stderr).toContain('--override needs a reason');

    const moved = await cli([
      '--api-key',
      ADMIN_KEY,
      'prompts',
      'label',
      'gated-bot@1',
      'production',
      '--override',
      'hotfix for INC-42',
    ]);
    expect(moved.code, moved.stderr).toBe(0);
    const history = await admin.prompts.history('gated-bot', { label: 'production' });
    expect(history.data[0]?.decision).toMatchObject({
      allowed: true,
      override: { reason: 'hotfix for INC-42' },
    });
  });
});
