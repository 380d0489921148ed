import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
const quietEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' };

let outDir: string;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'ragline-worker-'));
});
afterAll(() => rm(outDir, { recursive: true, force: true }));

describe('Cloudflare Workers bundle', () => {
  it('bundles the app for Workers without Node-only engines', { timeout: 120_000 }, async () => {
    await promisify(execFile)(wrangler, ['deploy', '--dry-run', '--outdir', outDir], {
      cwd: root,
      env: quietEnv,
    });
    const bundle = await readFile(join(outDir, 'worker.js'), 'utf8');
    expect(bundle).toContain('/health');
    for (const nodeOnly of [
      '@lancedb/lancedb',
      'onnxruntime-node',
      '@hono/node-server',
      'node:fs/promises',
    ]) {
      expect(bundle, `bundle must not contain ${nodeOnly}`).not.toContain(nodeOnly);
    }
  });

  it('boots in workerd and answers /health; /v1 says what is missing', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const child = spawn(
      wrangler,
      [
        'dev',
        '--port',
        String(port),
        '--ip',
        '127.0.0.1',
        '--persist-to',
        join(outDir, 'state'),
        '--show-interactive-dev-session=false',
      ],
      { cwd: root, env: quietEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output: string[] = [];
    child.stdout?.on('data', (d) => output.push(String(d)));
    child.stderr?.on('data', (d) => output.push(String(d)));
    try {
      const health = await waitForHealth(`http://127.0.0.1:${port}/health`, child, output);
      expect(health).toMatchObject({ status: 'ok', version: expect.any(String) });
      const v1 = await fetch(`http://127.0.0.1:${port}/v1/collections`);
      expect(v1.status).toBe(503);
      const body = await v1.json();
      expect(body.error.message).toContain('RAGLINE_DATABASE_URL');
      expect(v1.headers.get('x-request-id')).toBe(body.error.requestId);
    } finally {
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
    }
  });

  it('scrapes pool replicas on demand, in the background of gateway calls', {
    timeout: 120_000,
  }, async () => {
    const replica = await startFakeReplica();
    const base = `http://127.0.0.1:${replica.port}`;
    const gatewayConfig = {
      targets: ['a', 'b'].map((id) => ({ id, kind: 'vllm', model: 'llama', baseURL: `${base}/${id}/v1` })),
      pools: [{ id: 'pool', replicas: ['a', 'b'] }],
      routes: [{ name: 'llama', targets: [{ ref: 'pool' }] }],
    };
    const port = await freePort();
    const child = spawn(
      wrangler,
      [
        'dev',
        '--port',
        String(port),
        '--ip',
        '127.0.0.1',
        '--persist-to',
        join(outDir, 'state-scrape'),
        '--show-interactive-dev-session=false',
        // Not a database: the calls fail (after having started the scrape).
        '--var',
        `RAGLINE_DATABASE_URL:${base}/no-database`,
        '--var',
        `QDRANT_URL:${base}/no-qdrant`,
        '--var',
        `RAGLINE_CONFIG_YAML:${JSON.stringify(gatewayConfig)}`,
      ],
      { cwd: root, env: quietEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output: string[] = [];
    child.stdout?.on('data', (d) => output.push(String(d)));
    child.stderr?.on('data', (d) => output.push(String(d)));
    try {
      await waitForHealth(`http://127.0.0.1:${port}/health`, child, output);
      // No timers on Workers: nothing is scraped before a gateway call.
      expect(replica.seen).toEqual([]);
      const call = () =>
        fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'llama', messages: [{ role: 'user', content: 'hi' }] }),
        }).then((res) => res.arrayBuffer());
      await Promise.all([call(), call()]);
      const deadline = Date.now() + 10_000;
      const scrapes = (paths: string[]) => paths.filter((path) => /^\/[ab]\//.test(path)).sort();
      while (scrapes(replica.finished).length < 4 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      // One round for both calls (one scrape in flight per target), completed through waitUntil.
      expect(scrapes(replica.finished)).toEqual(['/a/metrics', '/a/v1/models', '/b/metrics', '/b/v1/models']);
      expect(scrapes(replica.seen)).toHaveLength(4);
    } finally {
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
      await replica.close();
    }
  });
});

/** A vLLM replica's load endpoints: `/<id>/metrics` answers after a short delay, `/<id>/v1/models` at once. */
async function startFakeReplica() {
  const seen: string[] = [];
  const finished: string[] = [];
  const server = createHttpServer((req, res) => {
    const path = req.url ?? '';
    seen.push(path);
    res.on('finish', () => finished.push(path));
    if (path.endsWith('/v1/models')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'llama', object: 'model', parent: null }] }));
    } else if (path.endsWith('/metrics')) {
      setTimeout(() => res.end('vllm:num_requests_running{model_name="llama"} 1\n'), 200);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return {
    port: address.port,
    seen,
    finished,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

async function waitForHealth(url: string, child: ChildProcess, output: string[]): Promise<unknown> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output.join('')}`);
    try {
      const res = await fetch(url);
      if (res.ok) return await res.json();
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`workerd did not answer /health in time:\n${output.join('')}`);
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? done(address.port) : fail(new Error('no port')),
      );
    });
  });
}
