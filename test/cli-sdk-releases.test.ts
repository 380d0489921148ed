import { BadRequestError, NotFoundError, Ragline } from '@ragline/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../packages/server/src/cli/main.js';
import { evalRunFixture } from '../packages/server/src/ports/eval-run-document.fixture.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

/** `ragline releases|models ...` and the SDK's `releases` and `registry.models` against the real app. */

const CONFIG = `
targets:
  - { id: vllm-1, kind: vllm, model: meta-llama/Llama-3.1-8B-Instruct, baseURL: "http://vllm-1.test/v1" }
  - { id: openai, kind: openai-compatible, model: gpt-4o-mini, baseURL: "http://openai.test/v1" }
routes:
  - { name: chat, targets: [{ ref: openai }] }
`;

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let tenantKey: string;
let sdk: Ragline;

function capture() {
  let text = '';
  return {
    stream: {
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
      isTTY: false,
    },
    text: () => text,
  };
}

async function cli(args: string[]) {
  const out = capture();
  const err = capture();
  const code = await runCli(args, {
    stdout: out.stream,
    stderr: err.stream,
    env: { RAGLINE_URL: server.baseURL, RAGLINE_API_KEY: tenantKey },
    cwd: process.cwd(),
    clientOptions: { fetch: server.fetch as typeof fetch, maxRetries: 0 },
  });
  return { code, stdout: out.text(), stderr: err.text() };
}

beforeAll(async () => {
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
  await sdk.prompts.create('answer', { template: 'Answer {{question}} using {{context}}' });
  await sdk.collections.create({ name: 'handbook', embedder: null });
  await sdk.documents.ingest('handbook', { documents: [{ id: 'refunds', text: 'Refunds within 30 days.' }] });
});
afterAll(() => server?.close());

describe('ragline models', () => {
  it('creates a LoRA version and a route version, moves an alias, and shows them', async () => {
    const created = await cli([
      'models',
      'create',
      'sql-assistant',
      '--target',
      'vllm-1',
      '--adapter',
      'sql-lora',
      '--fine-tune-job',
      'ftjob_7',
      '--eval-run',
      'eval_1',
      '--eval-run',
      'eval_2',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toBe(
      'Created sql-assistant version 1: meta-llama/Llama-3.1-8B-Instruct + adapter sql-lora on target vllm-1\n',
    );
    expect((await cli(['models', 'create', 'sql-assistant', '--route', 'chat@1'])).stdout).toBe(
      'Created sql-assistant version 2: route chat version 1\n',
    );
    expect((await cli(['models', 'alias', 'sql-assistant@1', 'champion'])).stdout).toBe(
      'sql-assistant champion -> version 1 (new alias)\n',
    );
    expect((await cli(['models', 'list'])).stdout).toBe('sql-assistant  latest 2  champion=1\n');
    const shown = await cli(['models', 'show', 'sql-assistant@champion']);
    expect(shown.stdout).toMatch(/^sql-assistant version 1 \(champion\)\n {2}spec {6}meta-llama/);
    expect(shown.stdout).toMatch(/evals {5}eval_1, eval_2\n/);
    expect(shown.stdout).toMatch(/price {5}vllm-1 \(sql-lora\): not in the price book\n/);
    const bad = await cli(['models', 'create', 'x', '--target', 'openai', '--route', 'chat']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /400 INVALID_REQUEST: spec\.target: give exactly one of route, target or pool/,
    );
  });
});

describe('ragline releases', () => {
  it('creates, finds again, labels, shows and lists releases', async () => {
    const created = await cli([
      'releases',
      'create',
      '--prompt',
      'answer',
      '--model',
      'chat',
      '--collection',
      'handbook',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const id = /^Created release (rel_[0-9a-f]{24})\n/.exec(created.stdout)?.[1] as string;
    expect(id).toBeDefined();
    expect(created.stdout).toMatch(
      /prompt answer@1, route chat@1, collection handbook@\d+ \(lexical, top 8\)/,
    );
    const again = await cli([
      'releases',
      'create',
      '--prompt',
      'answer@1',
      '--model',
      'route:chat@1',
      '--collection',
      'handbook',
      '--top-k',
      '8',
    ]);
    expect(again.stdout).toMatch(`Release already exists: ${id}\n`);

    const other = await cli([
      'releases',
      'create',
      '--prompt',
      'answer@1',
      '--model',
      'sql-assistant@champion',
      '--collection',
      'handbook',
      '--mode',
      'lexical',
      '--top-k',
      '3',
      '--filter',
      '{"lang":"en"}',
      '--json',
    ]);
    const second = JSON.parse(other.stdout);
    expect(second.pins).toMatchObject({
      model: { name: 'sql-assistant', version: 1 },
      retrieval: { mode: 'lexical', topK: 3, filter: { lang: 'en' } },
    });

    // `production` is gated: refused until each release has a passing eval run (recorded through the SDK)
    const refused = await cli(['releases', 'label', id, 'production']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`release ${id} has no completed eval run`);
    for (const release of [id, second.id]) {
      expect((await sdk.evals.runs.record(evalRunFixture({ contentHash: release }))).passed).toBe(true);
    }
    expect((await cli(['releases', 'label', id, 'production'])).stdout).toBe(
      `production -> ${id} (new label)\n`,
    );
    expect((await cli(['releases', 'label', second.id, 'production'])).stdout).toBe(
      `production -> ${second.id} (was ${id})\n`,
    );
    expect((await cli(['releases', 'label', id, 'production'])).stdout).toBe(
      `production -> ${id} (was ${second.id})\n`,
    );
    const shown = await cli(['releases', 'show', 'production']);
    expect(shown.stdout).toMatch(
      `Release ${id} (production)\n  prompt      answer version 1\n  model       route chat version 1 (config)\n`,
    );
    const listed = await cli(['releases', 'list']);
    expect(
      listed.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.slice(0, 28)),
    ).toEqual([second.id, id]);

    const missing = await cli(['releases', 'show', 'staging']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/404 NOT_FOUND: release: no release is labelled "staging"/);
    const badModel = await cli([
      'releases',
      'create',
      '--prompt',
      'answer',
      '--model',
      'route:chat@live',
      '--collection',
      'handbook',
    ]);
    expect(badModel.code).toBe(2);
    expect(badModel.stderr).toMatch(/a route takes a version number/);
  });
});

describe('SDK releases and registry.models', () => {
  it('round-trips through the schemas and maps refusals to typed errors', async () => {
    const version = await sdk.registry.models.createVersion('support', {
      spec: { route: 'chat' },
      message: 'v1',
    });
    expect(version).toMatchObject({ name: 'support', version: 1, spec: { route: 'chat', routeVersion: 1 } });
    expect((await sdk.registry.models.setAlias('support', 'champion', 1)).moved).toBe(true);
    expect(await sdk.registry.models.get('support', { alias: 'champion' })).toEqual({
      ...version,
      aliases: ['champion', 'latest'],
    });
    expect((await sdk.registry.models.linkEvalRun('support', 1, 'eval_9')).lineage.evalRuns).toEqual([
      'eval_9',
    ]);
    expect((await sdk.registry.models.aliasHistory('support')).data).toHaveLength(1);
    expect((await sdk.registry.models.list()).data.map((m) => m.name)).toEqual(['sql-assistant', 'support']);

    const created = await sdk.releases.create({
      prompt: { name: 'answer', version: 1 },
      model: { name: 'support', alias: 'champion' },
      retrieval: { collection: 'handbook', topK: 5 },
    });
    expect(created.created).toBe(true);
    expect(
      (
        await sdk.releases.create({
          model: { version: 1, name: 'support' },
          retrieval: { topK: 5, collection: 'handbook' },
          prompt: { name: 'answer' },
        })
      ).id,
    ).toBe(created.id);
    const label = await sdk.releases.setLabel('staging', created.id);
    expect(label).toMatchObject({
      label: 'staging',
      release: created.id,
      previousRelease: null,
      moved: true,
    });
    expect((await sdk.releases.get('staging')).id).toBe(created.id);
    expect((await sdk.releases.labels()).data.map((l) => l.label)).toEqual(['production', 'staging']);
    expect((await sdk.releases.labelHistory('staging')).data[0]).toMatchObject({
      fromRelease: null,
      toRelease: created.id,
    });
    const page = await sdk.releases.list({ limit: 1 });
    expect(page.data.map((r) => r.id)).toEqual([created.id]);
    expect((await sdk.releases.list({ limit: 1, before: page.nextBefore as string })).data).toHaveLength(1);

    await expect(sdk.releases.get('rel_000000000000000000000000')).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      sdk.releases.create({
        prompt: { name: 'answer' },
        model: { route: 'chat' },
        retrieval: { collection: 'handbook', topK: 0 },
      }),
    ).rejects.toBeInstanceOf(BadRequestError);
  });
});
