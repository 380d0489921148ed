import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../packages/server/src/deps.js';
import { authenticate } from '../packages/server/src/middleware/auth/index.js';
import { handleError, handleNotFound } from '../packages/server/src/middleware/errors/index.js';
import { requestId } from '../packages/server/src/middleware/request-id/index.js';
import { gatewayRoutes } from '../packages/server/src/routes/gateway-routes.js';
import { createOpenAIChatFake } from '../packages/server/src/testing/openai-chat-fake/openai-chat-fake.js';
import { client, type FetchLike } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

/** Read-only, global, versioned routes from the config file; API routes may refer to its targets and pools. */
const GATEWAY_YAML = `
targets:
  - { id: vllm-a, kind: vllm, model: llama, baseURL: "http://vllm-a.test/v1" }
  - { id: vllm-b, kind: vllm, model: llama, baseURL: "http://vllm-b.test/v1" }
  - { id: canary, kind: vllm, model: llama-ft, baseURL: "http://canary.test/v1" }
  - { id: openai, kind: openai-compatible, model: gpt-4o-mini, baseURL: "https://api.openai.test/v1", apiKey: "\${ROUTES_TEST_OPENAI_KEY}" }
pools:
  - { id: llama-pool, replicas: [vllm-a, vllm-b], placement: least-loaded }
routes:
  - { name: llama, targets: [{ ref: llama-pool }] }
`;

let configDir: string;
let server: Awaited<ReturnType<typeof createInProcessServer>>;
let fetchApp: FetchLike;
let acme: ReturnType<typeof client>;
let acmeKeyId: string;
let globex: ReturnType<typeof client>;

/**
 * Mounts the routes the way app.ts does (`v1.route('/', gatewayRoutes)` behind request id, deps and
 * authentication), unless createApp already serves /v1/routes, in which case the real app is used.
 */
async function appFetch(deps: AppDeps, real: FetchLike, baseURL: string): Promise<FetchLike> {
  const probe = await client(real, baseURL, ADMIN_KEY).get('/v1/routes');
  if (probe.status !== 404) return real;
  const app = new Hono();
  app.use('*', requestId);
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  const v1 = new Hono();
  v1.use('*', authenticate);
  v1.route('/', gatewayRoutes);
  app.route('/v1', v1);
  app.onError(handleError);
  app.notFound(handleNotFound);
  return (input, init) => Promise.resolve(app.fetch(new Request(input, init)));
}

beforeAll(async () => {
  configDir = await mkdtemp(join(tmpdir(), 'ragline-routes-'));
  const configPath = join(configDir, 'ragline.yaml');
  await writeFile(configPath, GATEWAY_YAML);
  server = await createInProcessServer({
    env: { RAGLINE_CONFIG: configPath, ROUTES_TEST_OPENAI_KEY: 'sk-test' },
  });
  fetchApp = await appFetch(server.deps, server.fetch, server.baseURL);
  const admin = client(fetchApp, server.baseURL, ADMIN_KEY);
  const a = await client(server.fetch, server.baseURL, ADMIN_KEY).post('/v1/keys', { tenant: 'acme' });
  const g = await client(server.fetch, server.baseURL, ADMIN_KEY).post('/v1/keys', { tenant: 'globex' });
  expect([a.status, g.status]).toEqual([201, 201]);
  acme = client(fetchApp, server.baseURL, a.json.key);
  acmeKeyId = a.json.id;
  globex = client(fetchApp, server.baseURL, g.json.key);
  expect((await admin.get('/v1/routes')).status).toBe(200);
});
afterAll(async () => {
  await server?.close();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

const put = (c: ReturnType<typeof client>, name: string, body: unknown) =>
  c.call('PUT', `/v1/routes/${encodeURIComponent(name)}`, body);

const canaryRoute = {
  strategy: 'weighted',
  stickyBy: 'user',
  targets: [
    { ref: 'llama-pool', weight: 90 },
    { ref: 'canary', weight: 10 },
  ],
};

describe('/v1/routes', () => {
  it('requires an API key', async () => {
    const res = await fetchApp(`${server.baseURL}/v1/routes`);
    expect(res.status).toBe(401);
  });

  it('lists the config-file routes as global, versioned and read-only', async () => {
    const res = await globex.get('/v1/routes');
    expect(res.status).toBe(200);
    const llama = {
      name: 'llama',
      source: 'config',
      version: 1,
      deleted: false,
      route: { name: 'llama', strategy: 'single', targets: [{ ref: 'llama-pool' }] },
      createdAt: expect.any(String),
      createdBy: null,
    };
    expect(res.json.data).toEqual([llama]);
    expect((await globex.get('/v1/routes/llama')).json).toEqual(llama);
    expect((await acme.get('/v1/routes/llama')).json).toEqual(res.json.data[0]);
    expect((await globex.get('/v1/routes/llama/versions')).json).toEqual({ data: [llama] });
    for (const res of [
      await put(acme, 'llama', { targets: [{ ref: 'openai' }] }),
      await acme.delete('/v1/routes/llama'),
    ]) {
      expect(res.status).toBe(409);
      expect(res.json.error.message).toMatch(/config file and is read-only/);
    }
  });

  it('creates, changes and versions a route; an identical PUT is not a change', async () => {
    const created = await put(acme, 'support', { targets: [{ ref: 'llama-pool' }] });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      name: 'support',
      source: 'api',
      version: 1,
      deleted: false,
      route: { name: 'support', strategy: 'single', targets: [{ ref: 'llama-pool' }] },
      createdAt: expect.any(String),
      createdBy: acmeKeyId,
    });

    const changed = await put(acme, 'support', { name: 'support', ...canaryRoute });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ version: 2, route: { strategy: 'weighted', stickyBy: 'user' } });

    const same = await put(acme, 'support', canaryRoute);
    expect(same.status).toBe(200);
    expect(same.json.version).toBe(2);

    expect((await acme.get('/v1/routes/support')).json).toEqual(changed.json);
    const versions = await acme.get('/v1/routes/support/versions');
    expect(versions.json.data.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(versions.json.data[0]).toEqual(created.json);
    expect((await acme.get('/v1/routes')).json.data.map((r: { name: string }) => r.name)).toEqual([
      'llama',
      'support',
    ]);
  });

  it('applies defaults: a fallback route gets the default fallbackOn', async () => {
    const res = await put(acme, 'chat', {
      strategy: 'fallback',
      targets: [{ ref: 'llama-pool' }, { ref: 'openai' }],
    });
    expect(res.status).toBe(201);
    expect(res.json.route.fallbackOn).toEqual({
      statuses: [408, 429, 500, 502, 503, 504],
      connectionErrors: true,
      timeouts: true,
    });
  });

  it('rejects invalid routes with 400, naming the field', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ targets: [{ ref: 'nowhere' }] }, 'targets[0].ref', /unknown target or pool "nowhere"/],
      [
        { strategy: 'weighted', targets: [{ ref: 'vllm-a', weight: 1 }, { ref: 'vllm-b' }] },
        'targets[1].weight',
        /weight > 0/,
      ],
      [{ strategy: 'roulette', targets: [{ ref: 'vllm-a' }] }, 'strategy', /./],
      [{ targets: [] }, 'targets', /at least one target/],
      [{ targets: [{ ref: 'vllm-a' }], fallback_on: {} }, '', /fallback_on/],
      [{ name: 'other', targets: [{ ref: 'vllm-a' }] }, 'name', /must match the route name in the path/],
    ];
    for (const [body, field, message] of cases) {
      const res = await put(acme, 'bad', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe('INVALID_REQUEST');
      expect(res.json.error.message).toMatch(message);
      expect(res.json.error.details.issues[0].field).toBe(field);
    }
    expect((await put(acme, 'bad', [1, 2])).json.error.message).toMatch(/^body: must be a JSON object/);
    const notJson = await acme.call('PUT', '/v1/routes/bad', '{', { 'content-type': 'application/json' });
    expect(notJson.json.error.code).toBe('INVALID_JSON');
    expect((await acme.get('/v1/routes/bad/versions')).status).toBe(404);
  });

  it('deletes with a tombstone version and re-creates with the next version', async () => {
    await put(acme, 'temp', { targets: [{ ref: 'vllm-a' }] });
    const deleted = await acme.delete('/v1/routes/temp');
    expect(deleted.status).toBe(200);
    expect(deleted.json).toMatchObject({
      name: 'temp',
      version: 2,
      deleted: true,
      route: null,
      createdBy: acmeKeyId,
    });
    expect((await acme.get('/v1/routes/temp')).status).toBe(404);
    expect((await acme.delete('/v1/routes/temp')).status).toBe(404);
    expect((await acme.get('/v1/routes')).json.data.map((r: { name: string }) => r.name)).not.toContain(
      'temp',
    );

    const again = await put(acme, 'temp', { targets: [{ ref: 'vllm-b' }] });
    expect(again.status).toBe(201);
    expect(again.json.version).toBe(3);
    const history = (await acme.get('/v1/routes/temp/versions')).json.data;
    expect(history.map((v: { version: number; deleted: boolean }) => [v.version, v.deleted])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
  });

  it('keeps tenants apart: same names, separate histories, nothing visible across', async () => {
    await put(acme, 'private', { targets: [{ ref: 'openai' }] });
    expect((await globex.get('/v1/routes/private')).status).toBe(404);
    expect((await globex.get('/v1/routes/private/versions')).status).toBe(404);
    expect((await globex.delete('/v1/routes/private')).status).toBe(404);
    expect((await globex.get('/v1/routes')).json.data.map((r: { name: string }) => r.name)).toEqual([
      'llama',
    ]);
    const mine = await put(globex, 'private', { targets: [{ ref: 'vllm-a' }] });
    expect(mine.json.version).toBe(1);
    expect((await acme.get('/v1/routes/private')).json.route.targets).toEqual([{ ref: 'openai' }]);
  });

  it('serves names containing a slash when percent-encoded', async () => {
    const name = 'meta-llama/Llama-3.1-8B-Instruct';
    const res = await put(acme, name, { targets: [{ ref: 'llama-pool' }] });
    expect(res.status).toBe(201);
    expect(res.json.name).toBe(name);
    expect((await acme.get(`/v1/routes/${encodeURIComponent(name)}`)).json.name).toBe(name);
    expect((await acme.get(`/v1/routes/${encodeURIComponent(name)}/versions`)).json.data).toHaveLength(1);
  });
});

describe('API-managed routes serve chat completions for their tenant only', () => {
  const canary = createOpenAIChatFake({
    baseURL: 'http://canary.test/v1',
    flavour: 'vllm',
    models: ['llama-ft'],
  });
  const upstream = setupServer(...canary.handlers);
  beforeAll(() => upstream.listen({ onUnhandledRequest: 'bypass' }));
  afterAll(() => upstream.close());

  it('routes a tenant route to its target, lists it in /v1/models, and hides it from other tenants', async () => {
    expect((await put(acme, 'acme-canary', { targets: [{ ref: 'canary' }] })).status).toBe(201);
    const chat = await acme.post('/v1/chat/completions', {
      model: 'acme-canary',
      messages: [{ role: 'user', content: 'hello there' }],
    });
    expect(chat.status, JSON.stringify(chat.json)).toBe(200);
    expect(chat.headers.get('x-ragline-target')).toBe('canary');
    expect(chat.json.choices[0].message.content).toEqual(expect.any(String));
    expect(canary.requests.at(-1)?.body.model).toBe('llama-ft');

    expect((await acme.get('/v1/models')).json.data.map((m: { id: string }) => m.id)).toContain(
      'acme-canary',
    );
    expect((await globex.get('/v1/models')).json.data.map((m: { id: string }) => m.id)).not.toContain(
      'acme-canary',
    );
    const other = await globex.post('/v1/chat/completions', {
      model: 'acme-canary',
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(other.status).toBe(404);

    await acme.delete('/v1/routes/acme-canary');
    const gone = await acme.post('/v1/chat/completions', {
      model: 'acme-canary',
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(gone.status).toBe(404);
  });
});

describe('/metrics', () => {
  it('exposes the gateway metrics in Prometheus text to admin keys only', async () => {
    const anonymous = await fetchApp(`${server.baseURL}/metrics`);
    expect(anonymous.status).toBe(401);
    expect((await acme.get('/metrics')).status).toBe(403);
    const res = await server.fetch(`${server.baseURL}/metrics`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/# TYPE ragline_gateway_requests_total counter/);
    expect(text).toMatch(
      /ragline_gateway_requests_total\{route="acme-canary",target="canary",status="ok",stream="false"\} 1/,
    );
  });
});
