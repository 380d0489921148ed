import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ragline, PermissionDeniedError as RaglinePermissionDenied } from '@ragline/sdk';
import { setupServer } from 'msw/node';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIChatFake } from '../packages/server/src/testing/openai-chat-fake/openai-chat-fake.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

/** Per-key model permissions: an API key may carry an allow-list of route and embedder names. */

const GATEWAY_YAML = `
targets:
  - { id: vllm, kind: vllm, model: llama, baseURL: "http://perm-vllm.test/v1" }
routes:
  - { name: llama-8b, targets: [{ ref: vllm }] }
  - { name: llama-70b, targets: [{ ref: vllm }] }
  - { name: gpt-4o-mini, targets: [{ ref: vllm }] }
`;

const vllm = createOpenAIChatFake({
  baseURL: 'http://perm-vllm.test/v1',
  flavour: 'vllm',
  models: ['llama'],
});
const upstream = setupServer(...vllm.handlers);

let configDir: string;
let server: Awaited<ReturnType<typeof createInProcessServer>>;
let admin: ReturnType<typeof client>;
/** Tenant acme: a key for llama-* and the local embedder, one for llama-* only, one for nothing, one for all. */
let llamaKey: string;
let llamaOnlyKey: string;
let noModelsKey: string;
let fullKey: string;

const as = (key: string) => client(server.fetch, server.baseURL, key);
const chat = (key: string, model: string) =>
  as(key).post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] });
const modelIds = async (key: string) =>
  (await as(key).get('/v1/models')).json.data.map((m: { id: string }) => m.id);

async function createKey(body: Record<string, unknown>) {
  const res = await admin.post('/v1/keys', body);
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json;
}

beforeAll(async () => {
  upstream.listen({ onUnhandledRequest: 'bypass' });
  configDir = await mkdtemp(join(tmpdir(), 'ragline-perms-'));
  await writeFile(join(configDir, 'ragline.yaml'), GATEWAY_YAML);
  server = await createInProcessServer({ env: { RAGLINE_CONFIG: join(configDir, 'ragline.yaml') } });
  admin = as(ADMIN_KEY);
  llamaKey = (await createKey({ tenant: 'acme', allowedModels: ['llama-*', 'local'] })).key;
  llamaOnlyKey = (await createKey({ tenant: 'acme', allowedModels: ['llama-*'] })).key;
  noModelsKey = (await createKey({ tenant: 'acme', allowedModels: [] })).key;
  fullKey = (await createKey({ tenant: 'acme' })).key;
  const canary = await as(fullKey).call('PUT', '/v1/routes/llama-canary', { targets: [{ ref: 'vllm' }] });
  expect(canary.status).toBe(201);
  expect((await as(fullKey).call('PUT', '/v1/routes/support', { targets: [{ ref: 'vllm' }] })).status).toBe(
    201,
  );
});
afterAll(async () => {
  upstream.close();
  await server?.close();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

describe('POST /v1/keys with allowedModels', () => {
  it('stores and returns the list; a key without one has null (every model)', async () => {
    const listed = await createKey({ tenant: 'acme', name: 'ci', allowedModels: ['llama-*', 'local'] });
    expect(listed).toMatchObject({
      tenant: 'acme',
      name: 'ci',
      admin: false,
      allowedModels: ['llama-*', 'local'],
    });
    expect((await createKey({ tenant: 'acme' })).allowedModels).toBeNull();
    expect((await createKey({ tenant: 'acme', allowedModels: null })).allowedModels).toBeNull();
    const rows = await server.deps.metadata.apiKeys.listForTenant('acme');
    expect(rows.find((row) => row.id === listed.id)?.allowedModels).toEqual(['llama-*', 'local']);
  });

  it('rejects a malformed list with 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      ['llama-*', 'allowedModels'],
      [[''], 'allowedModels[0]'],
      [['ok', 'bad\nname'], 'allowedModels[1]'],
      [[42], 'allowedModels[0]'],
      [Array.from({ length: 101 }, (_, i) => `m${i}`), 'allowedModels'],
    ];
    for (const [allowedModels, field] of cases) {
      const res = await admin.post('/v1/keys', { tenant: 'acme', allowedModels });
      expect(res.status, JSON.stringify(allowedModels)).toBe(400);
      expect(res.json.error.details.issues[0].field).toBe(field);
    }
  });

  it('is set through the SDK too', async () => {
    const ragline = new Ragline({
      baseURL: server.baseURL,
      apiKey: ADMIN_KEY,
      fetch: server.fetch as typeof fetch,
    });
    const created = await ragline.keys.create({ tenant: 'acme', allowedModels: ['llama-8b'] });
    expect(created.allowedModels).toEqual(['llama-8b']);
    expect(await modelIds(created.key)).toEqual(['llama-8b']);
    const restricted = new Ragline({
      baseURL: server.baseURL,
      apiKey: created.key,
      fetch: server.fetch as typeof fetch,
    });
    await expect(restricted.keys.create({ tenant: 'acme' })).rejects.toBeInstanceOf(RaglinePermissionDenied);
  });
});

describe('a key with an allow-list', () => {
  it('lists only the models it may use in /v1/models (config and tenant routes alike)', async () => {
    expect(await modelIds(llamaKey)).toEqual(['llama-8b', 'llama-70b', 'llama-canary']);
    expect(await modelIds(noModelsKey)).toEqual([]);
    expect(await modelIds(fullKey)).toEqual([
      'llama-8b',
      'llama-70b',
      'gpt-4o-mini',
      'llama-canary',
      'support',
    ]);
  });

  it('calls allowed routes, and gets 403 naming the model for others, before any upstream call', async () => {
    expect((await chat(llamaKey, 'llama-70b')).status).toBe(200);
    expect((await chat(llamaKey, 'llama-canary')).status).toBe(200);
    expect((await chat(llamaKey, 'llama-nonexistent')).status).toBe(404);
    const before = vllm.requests.length;
    for (const [key, model] of [
      [llamaKey, 'gpt-4o-mini'],
      [llamaKey, 'support'],
      [llamaKey, 'no-such-model'],
      [noModelsKey, 'llama-8b'],
    ] as const) {
      const res = await chat(key, model);
      expect(res.status, model).toBe(403);
      expect(res.json.error.code).toBe('FORBIDDEN');
      expect(res.json.error.message).toContain(`\`${model}\``);
      expect(res.json.error.details).toEqual({ field: 'model', model });
    }
    expect(vllm.requests.length).toBe(before);
    expect((await chat(fullKey, 'gpt-4o-mini')).status).toBe(200);
  });

  it('is refused in a way the official OpenAI client raises as PermissionDeniedError', async () => {
    const openai = new OpenAI({
      baseURL: `${server.baseURL}/v1`,
      apiKey: llamaKey,
      fetch: server.fetch as typeof fetch,
      maxRetries: 0,
    });
    const error = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as InstanceType<typeof OpenAI.PermissionDeniedError>).status).toBe(403);
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['llama-8b', 'llama-70b', 'llama-canary']);
  });

  it('embeds only with allowed embedders', async () => {
    const embed = (key: string, model: string) => as(key).post('/v1/embeddings', { model, input: 'hello' });
    expect((await embed(llamaKey, 'local')).status).toBe(200);
    expect((await embed(fullKey, 'local')).status).toBe(200);
    const refused = await embed(llamaOnlyKey, 'local');
    expect(refused.status).toBe(403);
    expect(refused.json.error.message).toContain('`local`');
    expect((await embed(llamaKey, 'nonexistent')).status).toBe(403);
    expect((await embed(fullKey, 'nonexistent')).status).toBe(404);
  });

  it('reads only allowed routes and cannot change any', async () => {
    const names = (await as(llamaKey).get('/v1/routes')).json.data.map((r: { name: string }) => r.name);
    expect(names).toEqual(['llama-70b', 'llama-8b', 'llama-canary']);
    expect((await as(llamaKey).get('/v1/routes/llama-8b')).status).toBe(200);
    expect((await as(llamaKey).get('/v1/routes/llama-canary/versions')).status).toBe(200);
    expect((await as(llamaKey).get('/v1/routes/support')).status).toBe(403);
    expect((await as(llamaKey).get('/v1/routes/support/versions')).status).toBe(403);
    // Redefining an allowed name would reach any target, so changes need a key without a list.
    const put = await as(llamaKey).call('PUT', '/v1/routes/llama-canary', { targets: [{ ref: 'vllm' }] });
    expect(put.status).toBe(403);
    expect(put.json.error.message).toMatch(/allow-list/);
    expect((await as(llamaKey).delete('/v1/routes/llama-canary')).status).toBe(403);
    expect((await as(fullKey).get('/v1/routes/llama-canary')).json.version).toBe(1);
  });

  it('stays within its tenant: a match-all list does not reach other tenants', async () => {
    const globex = (await createKey({ tenant: 'globex', allowedModels: ['*'] })).key;
    expect(await modelIds(globex)).toEqual(['llama-8b', 'llama-70b', 'gpt-4o-mini']);
    expect((await chat(globex, 'llama-canary')).status).toBe(404);
    expect((await as(globex).get('/v1/routes/support')).status).toBe(404);
  });
});
