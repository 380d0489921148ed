import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startNodeServer } from '../packages/server/src/runtime/node.js';
import { resolveRoute } from '../packages/server/src/services/gateway/resolve-route.js';
import { createOpenAIChatFake } from '../packages/server/src/testing/openai-chat-fake/openai-chat-fake.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createTestEnv } from './support/test-server.js';

/**
 * Config-file routes are versioned in the store at startup (ADR 0006): restarts of the real Node
 * server over one data dir, with the file changing in between.
 */

// Captured before msw patches fetch: the test talks to the servers over real sockets.
const realFetch = globalThis.fetch;
const vllmA = createOpenAIChatFake({ baseURL: 'http://vllm-a.test/v1', flavour: 'vllm', models: ['llama'] });
const vllmB = createOpenAIChatFake({ baseURL: 'http://vllm-b.test/v1', flavour: 'vllm', models: ['llama'] });
const upstream = setupServer(...vllmA.handlers, ...vllmB.handlers);

const TARGETS = `
targets:
  - { id: vllm-a, kind: vllm, model: llama, baseURL: "http://vllm-a.test/v1" }
  - { id: vllm-b, kind: vllm, model: llama, baseURL: "http://vllm-b.test/v1" }
`;
const FIRST_FILE = `${TARGETS}
routes:
  - { name: llama, targets: [{ ref: vllm-a }] }
  - { name: chat, strategy: fallback, targets: [{ ref: vllm-a }, { ref: vllm-b }] }
  - { name: gone, targets: [{ ref: vllm-b }] }
`;
/** llama changes, gone leaves, fresh arrives; chat is written differently but means the same. */
const SECOND_FILE = `${TARGETS}
routes:
  - name: chat
    targets: [{ ref: vllm-a }, { ref: vllm-b }]
    strategy: fallback
    fallbackOn: { statuses: [408, 429, 500, 502, 503, 504], timeouts: true }
  - { name: llama, targets: [{ ref: vllm-b }] }
  - { name: fresh, targets: [{ ref: vllm-a }] }
`;

let testEnv: Awaited<ReturnType<typeof createTestEnv>>;
let configDir: string;
let acmeKey: string;
let globexKey: string;

/** Writes the file and starts the real server on it, over the shared data dir. */
async function start(yaml: string, file = 'ragline.yaml'): Promise<RunningServer> {
  const path = join(configDir, file);
  await writeFile(path, yaml);
  return startNodeServer({ env: { ...testEnv.env, RAGLINE_CONFIG: path } });
}

const as = (server: RunningServer, key: string) => client(realFetch, server.url, key);
const versionsOf = async (server: RunningServer, name: string) =>
  (await as(server, acmeKey).get(`/v1/routes/${name}/versions`)).json.data.map(
    (v: { version: number; deleted: boolean; source: string }) => [v.version, v.deleted, v.source],
  );
const listed = async (server: RunningServer, key = acmeKey) =>
  (await as(server, key).get('/v1/routes')).json.data.map(
    (r: { name: string; version: number; source: string }) => [r.name, r.version, r.source],
  );

beforeAll(async () => {
  upstream.listen({ onUnhandledRequest: 'bypass' });
  testEnv = await createTestEnv();
  configDir = await mkdtemp(join(tmpdir(), 'ragline-config-versions-'));
});
afterAll(async () => {
  upstream.close();
  await testEnv?.cleanup();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

describe('config-file routes are versioned at startup', () => {
  it('stores version 1 of each route on the first start and writes nothing on an unchanged restart', async () => {
    const first = await start(FIRST_FILE);
    try {
      const admin = as(first, ADMIN_KEY);
      acmeKey = (await admin.post('/v1/keys', { tenant: 'acme' })).json.key;
      globexKey = (await admin.post('/v1/keys', { tenant: 'globex' })).json.key;
      expect(await listed(first)).toEqual([
        ['chat', 1, 'config'],
        ['gone', 1, 'config'],
        ['llama', 1, 'config'],
      ]);
      const llama = (await as(first, acmeKey).get('/v1/routes/llama')).json;
      expect(llama).toMatchObject({ version: 1, createdBy: null, route: { targets: [{ ref: 'vllm-a' }] } });
      expect(Number.isNaN(Date.parse(llama.createdAt))).toBe(false);
    } finally {
      await first.close();
    }

    const again = await start(FIRST_FILE);
    try {
      expect(await listed(again)).toEqual([
        ['chat', 1, 'config'],
        ['gone', 1, 'config'],
        ['llama', 1, 'config'],
      ]);
      expect(await versionsOf(again, 'llama')).toEqual([[1, false, 'config']]);
    } finally {
      await again.close();
    }
  });

  it('versions what changed, tombstones what left, keeps the rest; old versions stay callable', async () => {
    const server = await start(SECOND_FILE);
    try {
      expect(await listed(server)).toEqual([
        ['chat', 1, 'config'],
        ['fresh', 1, 'config'],
        ['llama', 2, 'config'],
      ]);
      expect(await versionsOf(server, 'llama')).toEqual([
        [1, false, 'config'],
        [2, false, 'config'],
      ]);
      expect((await as(server, acmeKey).get('/v1/routes/gone')).status).toBe(404);
      expect(await versionsOf(server, 'gone')).toEqual([
        [1, false, 'config'],
        [2, true, 'config'],
      ]);

      const chat = await as(server, acmeKey).post('/v1/chat/completions', {
        model: 'llama',
        messages: [{ role: 'user', content: 'which target?' }],
      });
      expect(chat.status, JSON.stringify(chat.json)).toBe(200);
      expect(chat.headers.get('x-ragline-target')).toBe('vllm-b');

      // What a release pinned before the change still routes by its own definition.
      const calledA = vllmA.requests.length;
      for (const [name, target] of [
        ['llama', 'vllm-a'],
        ['gone', 'vllm-b'],
      ] as const) {
        const pinned = await resolveRoute(server.deps, 'acme', name, { version: 1 });
        expect(pinned).toMatchObject({ source: 'config', version: 1 });
        const outcome = await server.deps.gateway?.router.chat({
          route: name,
          definition: pinned?.route,
          request: { model: name, messages: [{ role: 'user', content: 'pinned' }] },
          stream: false,
          signal: new AbortController().signal,
        });
        expect(outcome?.target.id).toBe(target);
      }
      expect(vllmA.requests.length).toBe(calledA + 1);

      // A name the file dropped is free for a tenant, with its own history; others still see the file's.
      const mine = await as(server, acmeKey).call('PUT', '/v1/routes/gone', { targets: [{ ref: 'vllm-a' }] });
      expect(mine.status).toBe(201);
      expect(mine.json).toMatchObject({ source: 'api', version: 1 });
      expect(await versionsOf(server, 'gone')).toEqual([[1, false, 'api']]);
      const theirs = (await as(server, globexKey).get('/v1/routes/gone/versions')).json.data;
      expect(theirs.map((v: { version: number; source: string }) => [v.version, v.source])).toEqual([
        [1, 'config'],
        [2, 'config'],
      ]);
    } finally {
      await server.close();
    }
  });

  it('instances starting together on a changed file write each change once and agree', async () => {
    const [a, b] = await Promise.all([start(FIRST_FILE, 'a.yaml'), start(FIRST_FILE, 'b.yaml')]);
    try {
      for (const server of [a, b]) {
        expect(await listed(server, globexKey)).toEqual([
          ['chat', 1, 'config'],
          ['gone', 3, 'config'],
          ['llama', 3, 'config'],
        ]);
      }
      expect((await versionsOf(a, 'llama')).map(([v]: [number]) => v)).toEqual([1, 2, 3]);
      expect(await versionsOf(b, 'fresh')).toEqual([
        [1, false, 'config'],
        [2, true, 'config'],
      ]);
      // The file's route wins over the tenant's same-named one again.
      expect((await as(a, acmeKey).get('/v1/routes/gone')).json).toMatchObject({
        source: 'config',
        version: 3,
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
