import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../packages/server/src/cli/main.js';
import { ADMIN_KEY, createTestEnv, startSocketServer } from './support/test-server.js';

function capture() {
  let text = '';
  const write = (chunk: string) => {
    text += chunk;
    return true;
  };
  return { stream: { write, isTTY: false }, text: () => text };
}

let server: Awaited<ReturnType<typeof startSocketServer>>;
let folder: string;

async function cli(args: string[], apiKey = ADMIN_KEY) {
  const out = capture();
  const err = capture();
  const code = await runCli(args, {
    stdout: out.stream,
    stderr: err.stream,
    env: { RAGLINE_URL: server.url, RAGLINE_API_KEY: apiKey },
    cwd: folder,
  });
  return { code, stdout: out.text(), stderr: err.text() };
}

beforeAll(async () => {
  server = await startSocketServer();
  folder = await mkdtemp(join(tmpdir(), 'ragline-cli-'));
  await mkdir(join(folder, 'kb', 'guides'), { recursive: true });
  await writeFile(join(folder, 'kb', 'intro.md'), '# Intro\n\nRagline ingests folders of documents.\n');
  await writeFile(
    join(folder, 'kb', 'guides', 'deploy.html'),
    '<h1>Deploy</h1><p>Deploy with wrangler or on Node.</p>',
  );
  await writeFile(join(folder, 'kb', 'notes.txt'), 'Plain notes: the answer is forty-two.');
  await writeFile(
    join(folder, 'kb', 'faq.jsonl'),
    `${JSON.stringify({ id: 'faq-1', text: 'Q: Is it offline? A: Yes, lexical search needs no model.' })}\n`,
  );
});
afterAll(async () => {
  await server?.close();
  await rm(folder, { recursive: true, force: true });
});

describe('ragline CLI against the real server', () => {
  it('ingests a folder into a new collection and prints a summary', async () => {
    const res = await cli([
      'ingest',
      'kb',
      '--collection',
      'kb',
      '--create',
      '--embedder',
      'local',
      '--sync',
    ]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/\b4 added\b/);
    const again = await cli(['ingest', 'kb', '--collection', 'kb', '--sync']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/\b4 unchanged\b/);
  });

  it('queries and prints a readable table', async () => {
    const res = await cli([
      'query',
      'what is the answer',
      '--collection',
      'kb',
      '--mode',
      'lexical',
      '--top-k',
      '2',
    ]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('notes.txt');
    expect(res.stdout).toContain('forty-two');
    const json = await cli(['query', 'deploy wrangler', '--collection', 'kb', '--json']);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.results[0]).toMatchObject({ documentId: 'guides/deploy.html', headingPath: ['Deploy'] });
  });

  it('sync removes files deleted from the folder', async () => {
    await unlink(join(folder, 'kb', 'notes.txt'));
    const res = await cli(['ingest', 'kb', '--collection', 'kb', '--sync']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/\b1 deleted\b/);
    const query = await cli(['query', 'forty-two', '--collection', 'kb', '--mode', 'lexical', '--json']);
    expect(JSON.parse(query.stdout).results.map((r: { documentId: string }) => r.documentId)).not.toContain(
      'notes.txt',
    );
  });

  it('creates a tenant key that works and sees nothing of the default tenant', async () => {
    const res = await cli(['keys', 'create', '--tenant', 'acme']);
    expect(res.code).toBe(0);
    const key = res.stdout.trim();
    expect(key).toMatch(/^rl_[0-9a-f]{64}$/);
    const list = await cli(['collections', 'list', '--json'], key);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('prints the server error code and exits 1; usage errors exit 2', async () => {
    const missing = await cli(['query', 'x', '--collection', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('COLLECTION_NOT_FOUND');
    const usage = await cli(['query']);
    expect(usage.code).toBe(2);
  });
});

describe('the installed bin', () => {
  const bin = resolve(import.meta.dirname, '../packages/server/bin/ragline.js');

  it('serves on the embedded default and stops cleanly on SIGTERM', { timeout: 60_000 }, async () => {
    expect(
      existsSync(resolve(import.meta.dirname, '../packages/server/dist/cli/main.js')),
      'run `npm run build` first',
    ).toBe(true);
    const env = await createTestEnv();
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], {
      env: { ...process.env, ...env.env, RAGLINE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    try {
      const url = await new Promise<string>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`no URL printed:\n${output}`)), 30_000);
        const check = () => {
          const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match?.[1]) {
            clearTimeout(timer);
            done(match[1]);
          }
        };
        child.stdout.on('data', check);
        child.stderr.on('data', check);
        child.once('exit', () => fail(new Error(`server exited:\n${output}`)));
      });
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      const list = await fetch(`${url}/v1/collections`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      expect(list.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      const code = await new Promise((done) => child.once('exit', (c) => done(c)));
      expect(code).toBe(0);
      await env.cleanup();
    }
  });
});
