import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseRun, runEvalCli } from '@ragline/eval';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createUpstreams, type GatewayServer, gatewayConfig, startGatewayServer } from './gateway-harness.js';
import { ADMIN_KEY } from './support/test-server.js';

/**
 * The whole gate, end to end: `ragline-eval run` on examples/eval-in-ci/suite.yaml against the real server
 * on a socket (embedded libSQL and LanceDB), the model a msw vLLM fake behind route `chat`. A release built
 * from the example's prompt passes and may be promoted; the same release with the example's regressed
 * prompt fails the gate (exit 1) with every report written, and the server refuses to promote it.
 */

const realFetch = globalThis.fetch;
const example = resolve(import.meta.dirname, '../examples/eval-in-ci');
const upstreams = createUpstreams();
let server: GatewayServer;
let root: string;
let work: string;

// biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary response shapes
type Json = any;
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await server.fetch(path.replace(/^\/v1/, ''), {
    method,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}
async function ok(method: string, path: string, body?: unknown): Promise<Json> {
  const res = await call(method, path, body);
  expect([200, 201], `${method} ${path}: ${JSON.stringify(res.json)}`).toContain(res.status);
  return res.json;
}

async function pushPrompt(file: string): Promise<number> {
  const { name, template, message } = parseYaml(await readFile(join(example, file), 'utf8'));
  return (await ok('POST', `/v1/prompts/${name}/versions`, { template, message })).version;
}

async function createRelease(promptVersion: number): Promise<string> {
  const release = await ok('POST', '/v1/releases', {
    prompt: { name: 'support-answer', version: promptVersion },
    model: { route: 'chat' },
    retrieval: { collection: 'support', mode: 'lexical', topK: 3 },
  });
  return release.id;
}

/** `ragline-eval run` in process, as the workflow runs it, with every report; returns the exit code and output. */
async function runGate(name: string, extra: string[]) {
  let stdout = '';
  let stderr = '';
  const reports = join(work, name);
  const code = await runEvalCli(
    [
      'run',
      join(example, 'suite.yaml'),
      '--server',
      root,
      '--no-cache',
      '--json',
      join(reports, 'run.json'),
      '--junit',
      join(reports, 'junit.xml'),
      '--markdown',
      join(reports, 'comment.md'),
      '--html',
      join(reports, 'report.html'),
      ...extra,
    ],
    {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      cwd: work,
      env: { RAGLINE_API_KEY: ADMIN_KEY },
      fetch: (input, init) => realFetch(input, init),
    },
  );
  const read = (file: string) => readFile(join(reports, file), 'utf8');
  return { code, stdout, stderr, reports, read };
}

let goodRelease: string;
let badRelease: string;

beforeAll(async () => {
  upstreams.msw.listen({ onUnhandledRequest: 'bypass' });
  server = await startGatewayServer();
  server.useGateway(gatewayConfig([{ name: 'chat', strategy: 'single', targets: [{ ref: 'vllm-1' }] }]));
  root = server.baseURL.replace(/\/v1$/, '');
  work = await mkdtemp(join(tmpdir(), 'ragline-eval-e2e-'));
  await ok('POST', '/v1/prices', { entries: [{ target: 'vllm-1', input: '1.00', output: '4.00' }] });
  await server.deps.costs?.prices.reload();

  await ok('POST', '/v1/collections', { name: 'support', embedder: null });
  const files = (await readdir(join(example, 'docs'))).sort();
  const documents = await Promise.all(
    files.map(async (file) => ({
      id: file,
      text: await readFile(join(example, 'docs', file), 'utf8'),
      contentType: 'text/markdown',
    })),
  );
  await ok('POST', '/v1/collections/support/documents', { documents });
  goodRelease = await createRelease(await pushPrompt('prompt.yaml'));
  badRelease = await createRelease(await pushPrompt('prompt-regressed.yaml'));
});
afterAll(async () => {
  upstreams.msw.close();
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

describe('the eval gate, end to end', () => {
  it('records a baseline from the blessed release', async () => {
    await ok('PUT', '/v1/releases/labels/candidate', { release: goodRelease });
    const gate = await runGate('baseline', []);
    expect(gate.stderr).toBe('');
    expect(gate.code).toBe(0);
    const run = parseRun(await gate.read('run.json'));
    expect(run.target).toMatchObject({ kind: 'release', id: goodRelease, contentHash: goodRelease });
    expect(run.summary).toMatchObject({ cases: 10, errors: 0, incomplete: false, passed: true });
    expect(run.summary.operational?.costPerCaseMicros).toBeGreaterThan(0);
  });

  it('passes the same release against the baseline, records it, and lets production move to it', async () => {
    const gate = await runGate('good', ['--baseline', join(work, 'baseline', 'run.json'), '--record']);
    expect(gate.code, gate.stderr).toBe(0);
    expect(gate.stdout).toMatch(/recorded on the server as evr_\w+ \(passed\)/);
    expect(await gate.read('junit.xml')).not.toContain('<failure');
    expect(await gate.read('report.html')).toContain('data-verdict="passed"');

    const moved = await call('PUT', '/v1/releases/labels/production', { release: goodRelease });
    expect(moved.status, JSON.stringify(moved.json)).toBe(200);
    expect(moved.json).toMatchObject({ release: goodRelease, moved: true, decision: { allowed: true } });
  });

  it('fails a regressing release with exit 1 and readable reports, and the server refuses to promote it', async () => {
    await ok('PUT', '/v1/releases/labels/candidate', { release: badRelease });
    const gate = await runGate('bad', ['--baseline', join(work, 'baseline', 'run.json'), '--record']);
    expect(gate.code, gate.stderr).toBe(1);
    expect(gate.stdout).toMatch(/recorded on the server as evr_\w+ \(not passed\)/);

    const run = parseRun(await gate.read('run.json'));
    expect(run.target.contentHash).toBe(badRelease);
    expect(run.summary).toMatchObject({ incomplete: false, passed: false });
    const mentions = run.gates.baseline.find((gate) => gate.metric === 'mentions');
    expect(mentions?.verdict).toBe('regressed');
    expect(run.gates.absolute.find((gate) => gate.metric === 'mentions')?.passed).toBe(false);
    // retrieval did not change, so its metrics did not regress
    expect(run.gates.baseline.find((gate) => gate.metric === 'hit3')?.verdict).toBe('no-difference');

    expect(await gate.read('junit.xml')).toMatch(/<failure[^>]*>/);
    expect(await gate.read('comment.md')).toMatch(/mentions[^\n]*regressed/);
    const html = await gate.read('report.html');
    expect(html).toContain('data-verdict="gate-failed"');
    expect(html).toContain('data-case-id="refund-window"');

    const refused = await call('PUT', '/v1/releases/labels/production', { release: badRelease });
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('PROMOTION_REFUSED');
    expect(JSON.stringify(refused.json.error)).toContain('mentions');
    // nothing moved: production still serves the release that passed
    const labels = await ok('GET', '/v1/releases/labels');
    expect(labels.data.find((label: Json) => label.label === 'production')?.release).toBe(goodRelease);
  });
});
