import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(import.meta.dirname, '../../../..');
const ADMIN_KEY = 'lazy-data-plane-admin-key-0123456789';

/**
 * Runs in a fresh Node process (vitest's own module graph would hide what the server loads): starts
 * the server with a gateway route, serves gateway calls, then creates a collection, and reports after
 * each step whether LanceDB (a CommonJS package, so visible in the require cache) has been loaded.
 */
const PROBE = `
import { createRequire } from 'node:module';
const { startNodeServer } = await import(${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'packages/server/src/runtime/node.ts')).href)});
const lanceLoaded = () =>
  Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes('@lancedb'));
const server = await startNodeServer({ env: process.env });
const headers = { authorization: 'Bearer ${ADMIN_KEY}', 'content-type': 'application/json' };
const models = await fetch(server.url + '/v1/models', { headers });
const afterGateway = { status: models.status, lance: lanceLoaded() };
const created = await fetch(server.url + '/v1/collections', {
  method: 'POST', headers, body: JSON.stringify({ name: 'probe', embedder: null }),
});
const afterCollection = { status: created.status, lance: lanceLoaded() };
await server.close();
process.stdout.write('PROBE ' + JSON.stringify({ afterGateway, afterCollection }) + '\\n');
`;

function runProbe(env: Record<string, string>): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@ragline/source', '--input-type=module', '-e', PROBE],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', fail);
    child.once('exit', () => done(output));
  });
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ragline-lazy-'));
  await writeFile(
    join(dir, 'gateway.yaml'),
    [
      'targets:',
      '  - id: upstream',
      '    kind: vllm',
      '    model: some-model',
      '    baseURL: http://127.0.0.1:9/v1',
      'routes:',
      '  - name: chat',
      '    strategy: single',
      '    targets: [{ ref: upstream }]',
      '',
    ].join('\n'),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the Node server loads the RAG data plane lazily', () => {
  it('serves gateway calls without loading LanceDB, and loads it for the first collection', async () => {
    const output = await runProbe({
      RAGLINE_DATA_DIR: join(dir, 'data'),
      RAGLINE_ADMIN_KEY: ADMIN_KEY,
      RAGLINE_CONFIG: join(dir, 'gateway.yaml'),
      RAGLINE_ALLOW_REMOTE_MODELS: 'false',
      RAGLINE_LOG_LEVEL: 'error',
      HOST: '127.0.0.1',
      PORT: '0',
    });
    const line = /^PROBE (.*)$/m.exec(output);
    expect(line, output).not.toBeNull();
    expect(JSON.parse(line?.[1] ?? '{}')).toEqual({
      afterGateway: { status: 200, lance: false },
      afterCollection: { status: 201, lance: true },
    });
  }, 60_000);
});
