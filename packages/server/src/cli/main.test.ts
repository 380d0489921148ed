import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer, StartServer } from './io.js';
import { runCli } from './main.js';
import { captureIo, collectionFixture, createFakeApi, errorResponse } from './testing/fake-api.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ragline-main-'));
  const files: Record<string, string> = {
    'kb/a.md': '# A\n\nalpha',
    'kb/b.txt': 'bravo',
    'kb/sub/c.html': '<h1>C</h1>',
    'kb/sub/d.md': '# D',
    'kb/e.pdf': '%PDF-1.4 fake',
    'lines/docs.jsonl': '{"id":"j1","text":"one"}\n{"id":"j2","text":"two","metadata":{"lang":"en"}}\n',
  };
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), content);
  }
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function setup(options: Parameters<typeof createFakeApi>[0] = {}, tty = false) {
  const api = createFakeApi(options);
  const out = captureIo({ cwd: root, tty, clientOptions: { fetch: api.fetch, sleep: async () => {} } });
  return { api, out, run: (...argv: string[]) => runCli(argv, out.io) };
}

describe('usage', () => {
  it('prints help with every command and exits 0', async () => {
    const { out, run } = setup();
    expect(await run('--help')).toBe(0);
    for (const command of ['serve', 'ingest', 'query', 'collections', 'keys', 'embedders']) {
      expect(out.stdout).toContain(command);
    }
    expect(out.stdout).toContain('RAGLINE_URL');
    expect(out.stdout).toContain('RAGLINE_API_KEY');
  });

  it('documents the ingest options', async () => {
    const { out, run } = setup();
    expect(await run('ingest', '--help')).toBe(0);
    for (const option of ['--collection', '--sync', '--source', '--create', '--embedder', '--batch-size']) {
      expect(out.stdout).toContain(option);
    }
  });

  it.each([
    [['bogus']],
    [['query', 'hello']],
    [['query', 'hello', '-c', 'docs', '--top-k', 'zero']],
    [['query', 'hello', '-c', 'docs', '--filter', '{nope']],
    [['query', 'hello', '-c', 'docs', '--mode', 'fuzzy']],
    [['ingest', 'kb', '-c', 'docs', '--embedder', 'local']],
    [['ingest', 'missing-dir', '-c', 'docs']],
    [['serve', '--port', '99999']],
    [['keys']],
  ])('exits 2 on the usage error %j without calling the server', async (argv) => {
    const { api, out, run } = setup();
    expect(await run(...argv)).toBe(2);
    expect(out.stderr).not.toBe('');
    expect(api.requests).toHaveLength(0);
  });
});

describe('query', () => {
  const answer = {
    mode: 'hybrid',
    results: [
      {
        chunkId: 'c1',
        documentId: 'guide/keys.md',
        text: 'Rotate keys every 90 days.',
        score: 0.87,
        metadata: {},
        headingPath: ['Security', 'Keys'],
        start: 0,
        end: 26,
      },
    ],
    usage: { embeddingTokens: 5 },
  };

  it('sends the request with url and key from the environment and prints a table', async () => {
    const { api, out } = setup({
      intercept: () => new Response(JSON.stringify(answer), { status: 200 }),
    });
    out.io.env = { RAGLINE_URL: 'http://rag.example:9000', RAGLINE_API_KEY: 'env-key' };
    const code = await runCli(
      ['query', 'rotate keys', '-c', 'docs', '--mode', 'hybrid', '-k', '3', '--filter', '{"team":"ops"}'],
      out.io,
    );
    expect(code).toBe(0);
    const [req] = api.requests;
    expect(req?.path).toBe('/v1/collections/docs/query');
    expect(req?.headers.get('authorization')).toBe('Bearer env-key');
    expect(req?.body).toEqual({ query: 'rotate keys', mode: 'hybrid', topK: 3, filter: { team: 'ops' } });
    expect(out.stdout).toMatch(
      /│ 1 +│ 0\.8700 │ guide\/keys\.md │ Security > Keys │ Rotate keys every 90 days\. +│/,
    );
  });

  it('lets --url and --api-key override the environment, and --json print the response', async () => {
    const { api, out } = setup({ intercept: () => new Response(JSON.stringify(answer), { status: 200 }) });
    out.io.env = { RAGLINE_URL: 'http://wrong:1', RAGLINE_API_KEY: 'wrong' };
    const code = await runCli(
      ['--url', 'http://right:2', 'query', 'x', '-c', 'docs', '--json', '--api-key', 'flag-key'],
      out.io,
    );
    expect(code).toBe(0);
    expect(api.requests[0]?.headers.get('authorization')).toBe('Bearer flag-key');
    expect(JSON.parse(out.stdout)).toEqual(answer);
  });

  it('prints the server code, message and request id, and exits 1', async () => {
    const { out, run } = setup();
    expect(await run('query', 'x', '-c', 'missing')).toBe(1);
    expect(out.stderr).toContain('404 NOT_FOUND');
    expect(out.stderr).toContain('request id: req_err');
  });

  it('hints at the API key on 401', async () => {
    const { out, run } = setup({ intercept: () => errorResponse(401, 'UNAUTHENTICATED', 'missing API key') });
    expect(await run('query', 'x', '-c', 'docs')).toBe(1);
    expect(out.stderr).toContain('UNAUTHENTICATED: missing API key');
    expect(out.stderr).toContain('RAGLINE_API_KEY');
  });

  it('explains an unreachable server', async () => {
    const out = captureIo({
      clientOptions: {
        maxRetries: 0,
        fetch: async () => {
          throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:8787') });
        },
      },
    });
    expect(await runCli(['query', 'x', '-c', 'docs'], out.io)).toBe(1);
    expect(out.stderr).toContain('cannot reach the Ragline server at http://127.0.0.1:8787');
    expect(out.stderr).toContain('ECONNREFUSED');
  });
});

describe('keys, collections, embedders', () => {
  it('prints a new key alone on stdout', async () => {
    const { api, out, run } = setup();
    expect(await run('keys', 'create', '--tenant', 'acme', '--name', 'ci', '--admin')).toBe(0);
    expect(out.stdout).toBe('rl_secret_123\n');
    expect(out.stderr).toContain('not shown again');
    expect(api.requests[0]?.body).toEqual({ tenant: 'acme', name: 'ci', admin: true });
  });

  it('sends a model allow-list from repeated --allow-model options, and none without them', async () => {
    const { api, out, run } = setup();
    expect(
      await run('keys', 'create', '--tenant', 'acme', '--allow-model', 'llama-*', '--allow-model', 'local'),
    ).toBe(0);
    expect(api.requests[0]?.body).toEqual({
      tenant: 'acme',
      admin: false,
      allowedModels: ['llama-*', 'local'],
    });
    expect(out.stderr).toContain('limited to the models llama-*, local');
    expect(await run('keys', 'create', '--tenant', 'acme', '--json')).toBe(0);
    expect(api.requests[1]?.body).toEqual({ tenant: 'acme', admin: false });
    expect(JSON.parse(out.stdout.slice(out.stdout.indexOf('{'))).allowedModels).toBeNull();
  });

  it('creates with the first available embedder, lists and deletes collections', async () => {
    const { api, out, run } = setup({
      embedders: [
        { name: 'broken', available: false },
        { name: 'local', available: true },
      ],
    });
    expect(await run('collections', 'create', 'docs')).toBe(0);
    expect(await run('collections', 'create', 'lex', '--embedder', 'none')).toBe(0);
    expect(api.requests.filter((r) => r.method === 'POST').map((r) => r.body)).toEqual([
      { name: 'docs', embedder: 'local' },
      { name: 'lex', embedder: null },
    ]);
    expect(await run('collections', 'list')).toBe(0);
    expect(out.stdout).toMatch(/│ docs +│ local /);
    expect(out.stdout).toMatch(/│ lex +│ none /);
    expect(await run('collections', 'delete', 'docs')).toBe(0);
    expect(api.collections.has('docs')).toBe(false);
    expect(await run('embedders')).toBe(0);
    expect(out.stdout).toContain('broken  test  m  8 dims  unavailable');
  });

  it('exits 1 with EMBEDDER_MISMATCH', async () => {
    const { out, run } = setup({ collections: [collectionFixture('docs', 'local')] });
    expect(await run('collections', 'create', 'docs', '--embedder', 'other')).toBe(1);
    expect(out.stderr).toContain('409 EMBEDDER_MISMATCH');
  });
});

describe('ingest', () => {
  const posts = (api: ReturnType<typeof createFakeApi>) =>
    api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/documents'));

  it('sends files as multipart batches with path ids and content types, and summarises', async () => {
    const { api, out, run } = setup({ collections: [collectionFixture('docs')] });
    expect(await run('ingest', 'kb', '-c', 'docs', '--batch-size', '2')).toBe(0);
    const batches = posts(api);
    expect(batches.map((b) => b.ids)).toEqual([['a.md', 'b.txt'], ['e.pdf', 'sub/c.html'], ['sub/d.md']]);
    const form = batches[1]?.body as FormData;
    const parts = form.getAll('file') as File[];
    expect(parts.map((p) => p.type)).toEqual(['application/pdf', 'text/html']);
    expect(await parts[1]?.text()).toBe('<h1>C</h1>');
    expect(batches.every((b) => b.source === null && !b.sync)).toBe(true);
    expect(out.stderr).toContain('[3/3] 5/5 documents');
    expect(out.stdout).toContain('Ingested 5 documents from 5 files into "docs": 5 added, 0 updated');
    expect(out.stdout).toContain('10 chunks');
  });

  it('sends .jsonl files as JSON Lines batches', async () => {
    const { api, out, run } = setup({ collections: [collectionFixture('docs')] });
    expect(await run('ingest', 'lines/docs.jsonl', '-c', 'docs', '--source', 'corpus', '--json')).toBe(0);
    const [batch] = posts(api);
    expect(batch?.contentType).toBe('application/x-ndjson');
    expect(batch?.ids).toEqual(['j1', 'j2']);
    expect(batch?.source).toBe('corpus');
    expect(JSON.parse(out.stdout)).toMatchObject({ documents: 2, files: 1, added: 2, source: 'corpus' });
  });

  it('syncs across batches: no batch carries sync, stale documents are deleted after all succeeded', async () => {
    const base = path.join(root, 'kb');
    const { api, out, run } = setup({
      collections: [collectionFixture('docs')],
      documents: [
        { id: 'a.md', source: base, contentType: 'text/markdown' },
        { id: 'gone.md', source: base, contentType: 'text/markdown' },
        { id: 'other-source.md', source: '/elsewhere', contentType: 'text/markdown' },
      ],
    });
    expect(await run('ingest', 'kb', '-c', 'docs', '--sync', '--batch-size', '2')).toBe(0);
    const batches = posts(api);
    expect(batches).toHaveLength(3);
    expect(batches.every((b) => b.source === base && !b.sync)).toBe(true);
    const deletes = api.requests.filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.path)).toEqual(['/v1/collections/docs/documents/gone.md']);
    const lastPost = api.requests.lastIndexOf(batches[2] as (typeof api.requests)[number]);
    expect(
      api.requests.findIndex((r) => r.method === 'GET' && r.query.get('source') === base),
    ).toBeGreaterThan(lastPost);
    expect([...api.documents.keys()].sort()).toEqual([
      'a.md',
      'b.txt',
      'e.pdf',
      'other-source.md',
      'sub/c.html',
      'sub/d.md',
    ]);
    expect(out.stdout).toContain('4 added, 1 updated, 0 unchanged, 1 deleted');
  });

  it('lets the server sync when everything fits in one request', async () => {
    const { api, out, run } = setup({
      collections: [collectionFixture('docs')],
      documents: [{ id: 'stale.md', source: 'mine', contentType: 'text/plain' }],
    });
    expect(await run('ingest', 'kb/sub', '-c', 'docs', '--sync', '--source', 'mine')).toBe(0);
    const [batch] = posts(api);
    expect(batch?.sync).toBe(true);
    expect(batch?.source).toBe('mine');
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    expect(out.stdout).toContain('1 deleted');
  });

  it('deletes nothing when a batch fails during a sync, and exits 1', async () => {
    const base = path.join(root, 'kb');
    let posted = 0;
    const { api, out, run } = setup({
      collections: [collectionFixture('docs')],
      documents: [{ id: 'gone.md', source: base, contentType: 'text/plain' }],
      intercept: (req) => {
        if (req.method === 'POST' && ++posted === 2)
          return errorResponse(422, 'UNPROCESSABLE_DOCUMENT', 'e.pdf: no text');
        return undefined;
      },
    });
    expect(await run('ingest', 'kb', '-c', 'docs', '--sync', '--batch-size', '2')).toBe(1);
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    expect(api.documents.has('gone.md')).toBe(true);
    expect(out.stderr).toContain('ingest stopped after 2 of 5 documents; nothing was deleted');
    expect(out.stderr).toContain('422 UNPROCESSABLE_DOCUMENT: e.pdf: no text');
  });

  it('--create makes a missing collection with the first available embedder', async () => {
    const { api, run } = setup({ embedders: [{ name: 'local', available: true }] });
    expect(await run('ingest', 'kb/sub/d.md', '-c', 'fresh', '--create')).toBe(0);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/collections/fresh',
      'GET /v1/embedders',
      'POST /v1/collections',
      'POST /v1/collections/fresh/documents',
    ]);
    expect(api.requests[2]?.body).toEqual({ name: 'fresh', embedder: 'local' });
  });

  it('rejects an id that two inputs share before sending anything', async () => {
    await mkdir(path.join(root, 'clash'));
    await writeFile(path.join(root, 'clash/x.md'), '# X');
    await writeFile(path.join(root, 'clash/more.jsonl'), '{"id":"x.md","text":"x"}\n');
    try {
      const { api, out, run } = setup({ collections: [collectionFixture('docs')] });
      expect(await run('ingest', 'clash', '-c', 'docs')).toBe(2);
      expect(out.stderr).toContain('"x.md" appears twice');
      expect(api.requests).toHaveLength(0);
    } finally {
      await rm(path.join(root, 'clash'), { recursive: true });
    }
  });

  it('draws a progress bar on a terminal', async () => {
    const { out, run } = setup({ collections: [collectionFixture('docs')] }, true);
    expect(await run('ingest', 'kb', '-c', 'docs')).toBe(0);
    expect(out.stderr).toContain('5/5 documents | 10 chunks');
    expect(out.stderr).not.toContain('[1/1]');
  });
});

describe('serve', () => {
  it('starts the server with the options, prints the URL and closes on shutdown', async () => {
    const calls: unknown[] = [];
    let closed = false;
    const startServer: StartServer = async (options) => {
      calls.push(options);
      const server: RunningServer = {
        url: 'http://127.0.0.1:9999',
        generatedAdminKeyFile: '/data/admin.key',
        close: async () => {
          closed = true;
        },
      };
      return server;
    };
    const out = captureIo({ startServer, waitForShutdown: async () => {}, env: { X: '1' } });
    expect(await runCli(['serve', '--port', '9999', '--data-dir', '/data'], out.io)).toBe(0);
    expect(calls).toEqual([{ port: 9999, host: undefined, dataDir: '/data', env: { X: '1' } }]);
    expect(out.stdout).toContain('Ragline listening on http://127.0.0.1:9999');
    expect(out.stdout).toContain('/data/admin.key');
    expect(closed).toBe(true);
  });
});
