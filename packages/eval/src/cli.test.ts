import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runEvalCli } from './cli.js';
import { parseRun } from './run/parse-run.js';
import { type FakeChatEndpoint, startFakeChatEndpoint } from './testing/fake-chat-endpoint.js';

/** Twelve questions "What is N plus N?" whose expected answer is 2N. */
const CASES = Array.from({ length: 12 }, (_, i) => ({
  id: `add-${i + 1}`,
  input: 'What is {{n}} plus {{n}}?',
  variables: { n: String(i + 1) },
  expected: String(2 * (i + 1)),
  tags: ['arithmetic'],
}));

const correct = (question: string) => String(2 * Number(/What is (\d+) plus/.exec(question)?.[1]));

let endpoints: FakeChatEndpoint[] = [];
afterEach(async () => {
  await Promise.all(endpoints.map((endpoint) => endpoint.close()));
  endpoints = [];
});

async function endpoint(answer: (question: string) => string): Promise<FakeChatEndpoint> {
  const started = await startFakeChatEndpoint(answer);
  endpoints.push(started);
  return started;
}

async function workspace(baseURL: string, extra = ''): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ragline-eval-cli-'));
  await writeFile(join(dir, 'cases.jsonl'), `${CASES.map((item) => JSON.stringify(item)).join('\n')}\n`);
  await writeFile(
    join(dir, 'suite.yaml'),
    [
      'name: arithmetic',
      'dataset: cases.jsonl',
      'target:',
      '  kind: endpoint',
      `  baseURL: ${baseURL}`,
      '  model: fake-model',
      '  apiKeyEnv: FAKE_KEY',
      'metrics:',
      '  - { name: exact, kind: equals, options: { trim: true } }',
      '  - { name: f1, kind: token-f1 }',
      'concurrency: 3',
      'gate:',
      '  absolute:',
      '    - { metric: exact, threshold: 0.1 }',
      '  baseline: { margin: 0.05, level: 0.95, seed: 7 }',
      extra,
    ].join('\n'),
  );
  return dir;
}

function io(dir: string) {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      cwd: dir,
      env: { FAKE_KEY: 'sk-test' },
      stdout: (text: string) => {
        out.stdout += text;
      },
      stderr: (text: string) => {
        out.stderr += text;
      },
    },
  };
}

describe('ragline-eval run', () => {
  it('passes a good target (exit 0), writes every report, and the JSON loads back as a run', async () => {
    const fake = await endpoint(correct);
    const dir = await workspace(fake.baseURL);
    const { out, io: cliIo } = io(dir);
    const code = await runEvalCli(
      [
        'run',
        'suite.yaml',
        '--repeat',
        '2',
        '--json',
        'out/run.json',
        '--junit',
        'out/run.xml',
        '--markdown',
        'out/run.md',
      ],
      cliIo,
    );
    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    expect(out.stdout).toContain('result: PASSED');

    expect(fake.requests).toHaveLength(24);
    expect(fake.requests[0]?.authorization).toBe('Bearer sk-test');
    expect(
      fake.requests.map((r) => (r.body as { messages: { content: string }[] }).messages[0]?.content),
    ).toContain('What is 7 plus 7?');
    expect(fake.peakInFlight()).toBeLessThanOrEqual(3);

    const run = parseRun(await readFile(join(dir, 'out/run.json'), 'utf8'));
    expect(run.cases).toHaveLength(12);
    expect(run.cases.every((item) => item.repeats.length === 2)).toBe(true);
    expect(run.cases[0]?.repeats[0]).toMatchObject({
      output: '2',
      scores: { exact: 1, f1: 1 },
      passed: { exact: true },
    });
    expect(run.gates.absolute).toEqual([
      expect.objectContaining({ metric: 'exact', passed: true, value: 1, n: 12 }),
    ]);
    expect(run.summary).toMatchObject({ cases: 12, errors: 0, incomplete: false, passed: true });
    expect(run.summary.operational).toMatchObject({
      calls: 24,
      cached: 0,
      errorRate: 0,
      costPerCaseMicros: null,
    });
    expect(run.summary.operational?.latencyP95Ms).toBeGreaterThan(0);
    expect(run.target.kind).toBe('endpoint');
    expect(await readFile(join(dir, 'out/run.xml'), 'utf8')).toContain('<testsuite');
    expect(await readFile(join(dir, 'out/run.md'), 'utf8')).toContain('arithmetic');
  });

  it('fails the baseline gate (exit 1) for a candidate that regressed, though its absolute gate passes', async () => {
    const good = await endpoint(correct);
    const goodDir = await workspace(good.baseURL);
    expect(await runEvalCli(['run', 'suite.yaml', '--json', 'baseline.json'], io(goodDir).io)).toBe(0);

    // Right only for 1 and 2: the exact-match mean (2/12) still clears the absolute threshold of 0.1.
    const worse = await endpoint((question) =>
      /What is [12] plus/.test(question) ? correct(question) : 'no idea',
    );
    const dir = await workspace(worse.baseURL);
    const { out, io: cliIo } = io(dir);
    const code = await runEvalCli(
      [
        'run',
        'suite.yaml',
        '--baseline',
        join(goodDir, 'baseline.json'),
        '--json',
        'run.json',
        '--markdown',
        'pr.md',
      ],
      cliIo,
    );
    expect(code).toBe(1);
    expect(out.stdout).toContain('result: FAILED');
    const run = parseRun(await readFile(join(dir, 'run.json'), 'utf8'));
    expect(run.gates.absolute[0]?.passed).toBe(true);
    const exact = run.gates.baseline.find((gate) => gate.metric === 'exact');
    expect(exact).toMatchObject({ verdict: 'regressed', n: 12, margin: 0.05, level: 0.95 });
    expect(exact?.meanDiff).toBeCloseTo(-10 / 12, 10);
    expect(run.gates.baselineRef).toBeDefined();
    expect(await readFile(join(dir, 'pr.md'), 'utf8')).toContain('regressed');
  });

  it('reports an unreachable endpoint as incomplete (exit 2, never 1) and still writes the run', async () => {
    const closed = await startFakeChatEndpoint(correct);
    await closed.close();
    const dir = await workspace(closed.baseURL);
    const { out, io: cliIo } = io(dir);
    const code = await runEvalCli(['run', 'suite.yaml', '--json', 'run.json'], cliIo);
    expect(code).toBe(2);
    expect(out.stdout).toContain('result: INCOMPLETE');
    expect(out.stderr).toMatch(/run incomplete: 12 call\(s\) failed in 12 case\(s\).*unreachable/);
    const run = parseRun(await readFile(join(dir, 'run.json'), 'utf8'));
    expect(run.summary).toMatchObject({ incomplete: true, passed: false, errors: 12 });
    expect(run.cases[0]?.repeats[0]).toMatchObject({ output: null, scores: {} });
  });

  it('treats an endpoint that answers errors as incomplete too (exit 2)', async () => {
    const fake = await endpoint(correct);
    const dir = await workspace(fake.baseURL.replace(/\/v1$/, '/wrong'));
    const { out, io: cliIo } = io(dir);
    expect(await runEvalCli(['run', 'suite.yaml'], cliIo)).toBe(2);
    expect(out.stderr).toContain('answered 404');
  });

  it('rejects a bad suite with exit 2, naming the file and the field, without calling the endpoint', async () => {
    const fake = await endpoint(correct);
    const dir = await workspace(fake.baseURL);
    const text = await readFile(join(dir, 'suite.yaml'), 'utf8');
    await writeFile(join(dir, 'suite.yaml'), text.replace('kind: token-f1', 'kind: bleu'));
    const { out, io: cliIo } = io(dir);
    expect(await runEvalCli(['run', 'suite.yaml'], cliIo)).toBe(2);
    expect(out.stderr).toContain(`${join(dir, 'suite.yaml')}: metrics[1].kind: `);
    expect(fake.requests).toHaveLength(0);
  });

  it('exits 2 on a missing API key, a bad baseline file and bad arguments', async () => {
    const fake = await endpoint(correct);
    const dir = await workspace(fake.baseURL);
    const noKey = io(dir);
    expect(await runEvalCli(['run', 'suite.yaml'], { ...noKey.io, env: {} })).toBe(2);
    expect(noKey.out.stderr).toContain('target.apiKeyEnv: environment variable FAKE_KEY is not set');

    await writeFile(join(dir, 'bad-baseline.json'), '{"suite": 1}');
    const badBaseline = io(dir);
    expect(await runEvalCli(['run', 'suite.yaml', '--baseline', 'bad-baseline.json'], badBaseline.io)).toBe(
      2,
    );
    expect(badBaseline.out.stderr).toMatch(/bad-baseline\.json: run\.\w+: expected/);

    const badArgs = io(dir);
    expect(await runEvalCli(['run', 'suite.yaml', '--repeat', 'zero'], badArgs.io)).toBe(2);
    expect(await runEvalCli(['lint', 'suite.yaml'], badArgs.io)).toBe(2);
    expect(await runEvalCli(['run', 'suite.yaml', '--bogus'], badArgs.io)).toBe(2);
    expect(badArgs.out.stderr).toContain('usage: ragline-eval run <suite>');
    expect(fake.requests).toHaveLength(0);
  });

  it('quarantines cases whose outcome flips between repeats when the suite asks', async () => {
    let calls = 0;
    const fake = await endpoint((question) => {
      if (question === 'What is 3 plus 3?') {
        calls += 1;
        return calls % 2 === 0 ? 'wrong' : '6';
      }
      return correct(question);
    });
    const dir = await workspace(fake.baseURL, '  quarantineFlaky: true');
    const { io: cliIo } = io(dir);
    expect(await runEvalCli(['run', 'suite.yaml', '--repeat', '2', '--json', 'run.json'], cliIo)).toBe(0);
    const run = parseRun(await readFile(join(dir, 'run.json'), 'utf8'));
    expect(run.gates.quarantined).toEqual(['add-3']);
    expect(run.gates.absolute[0]?.n).toBe(11);
  });

  it('reuses the run cache by default: a second run makes no call; --no-cache and --cache-dir run again', async () => {
    const fake = await endpoint(correct);
    const dir = await workspace(fake.baseURL);
    expect(await runEvalCli(['run', 'suite.yaml'], io(dir).io)).toBe(0);
    expect(fake.requests).toHaveLength(12);
    expect(await readdir(join(dir, '.ragline-eval-cache'))).toEqual(['v1']);

    const again = io(dir);
    expect(await runEvalCli(['run', 'suite.yaml', '--json', 'run.json'], again.io)).toBe(0);
    expect(fake.requests).toHaveLength(12);
    expect(again.out.stdout).toContain('cached 12 of 12');
    const run = parseRun(await readFile(join(dir, 'run.json'), 'utf8'));
    expect(run.cases.every((item) => item.repeats[0]?.cached === true)).toBe(true);
    expect(run.summary.operational).toMatchObject({ calls: 12, cached: 12 });

    expect(await runEvalCli(['run', 'suite.yaml', '--no-cache'], io(dir).io)).toBe(0);
    expect(fake.requests).toHaveLength(24);
    expect(await runEvalCli(['run', 'suite.yaml', '--cache-dir', 'other-cache'], io(dir).io)).toBe(0);
    expect(fake.requests).toHaveLength(36);
    expect(await runEvalCli(['run', 'suite.yaml', '--cache-dir', 'other-cache'], io(dir).io)).toBe(0);
    expect(fake.requests).toHaveLength(36);

    const both = io(dir);
    expect(await runEvalCli(['run', 'suite.yaml', '--no-cache', '--cache-dir', 'x'], both.io)).toBe(2);
    expect(both.out.stderr).toContain('give --no-cache or --cache-dir, not both');
  });

  it('takes --concurrency over the suite and rejects a bad one', async () => {
    const fake = await endpoint(correct);
    const dir = await workspace(fake.baseURL);
    expect(await runEvalCli(['run', 'suite.yaml', '--concurrency', '1', '--no-cache'], io(dir).io)).toBe(0);
    expect(fake.requests).toHaveLength(12);
    expect(fake.peakInFlight()).toBe(1);
    const bad = io(dir);
    expect(await runEvalCli(['run', 'suite.yaml', '--concurrency', '0'], bad.io)).toBe(2);
    expect(bad.out.stderr).toContain('--concurrency must be a positive integer, got "0"');
  });

  it('fails an operational gate with exit 1 and shows it in the console, Markdown and JUnit reports', async () => {
    const fake = await endpoint(correct);
    const dir = await workspace(fake.baseURL, '  operational: { latencyP50Ms: 0, errorRate: 0.2 }');
    const { out, io: cliIo } = io(dir);
    const code = await runEvalCli(
      ['run', 'suite.yaml', '--json', 'run.json', '--markdown', 'pr.md', '--junit', 'junit.xml'],
      cliIo,
    );
    expect(code).toBe(1);
    expect(out.stdout).toMatch(/operational gate: latency p50 \d+ ms, max 0 ms: FAIL/);
    expect(out.stdout).toContain('operational gate: error rate 0.0%, max 20.0%: pass');
    expect(out.stdout).toContain('result: FAILED');
    const run = parseRun(await readFile(join(dir, 'run.json'), 'utf8'));
    expect(run.gates.operational).toEqual([
      { figure: 'latencyP50Ms', value: run.summary.operational?.latencyP50Ms, max: 0, passed: false },
      { figure: 'errorRate', value: 0, max: 0.2, passed: true },
    ]);
    expect(await readFile(join(dir, 'pr.md'), 'utf8')).toMatch(
      /\| latency p50 \d+ ms, max 0 ms \| \*\*FAIL\*\* \|/,
    );
    const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(
      /<testcase classname="arithmetic.gates" name="latencyP50Ms max"[^>]*>\s*<failure type="operational"/,
    );
    expect(junit).toContain('<property name="operational.errorRate" value="0"/>');
  });

  it('writes a self-contained HTML report with --html', async () => {
    const fake = await endpoint(correct);
    const dir = await workspace(fake.baseURL);
    expect(await runEvalCli(['run', 'suite.yaml', '--html', 'out/report.html'], io(dir).io)).toBe(0);
    const html = await readFile(join(dir, 'out/report.html'), 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('add-12');
  });

  it('points a server target, its judge and embedder at --server, and refuses --server for an endpoint target', async () => {
    const fake = await endpoint(correct);
    const dir = await workspace(fake.baseURL);
    const endpointTarget = io(dir);
    expect(await runEvalCli(['run', 'suite.yaml', '--server', 'http://127.0.0.1:1'], endpointTarget.io)).toBe(
      2,
    );
    expect(endpointTarget.out.stderr).toContain(
      '--server applies to release, prompt-model and collection targets',
    );
    const badUrl = io(dir);
    expect(await runEvalCli(['run', 'suite.yaml', '--server', 'not a url'], badUrl.io)).toBe(2);
    expect(badUrl.out.stderr).toContain('--server must be a URL');
    expect(fake.requests).toHaveLength(0);

    await writeFile(
      join(dir, 'collection.yaml'),
      [
        'name: retrieval',
        'dataset: cases.jsonl',
        'target: { kind: collection, collection: docs, server: "http://suite-server.invalid:8787" }',
        'metrics:',
        '  - { name: hit, kind: hit@k, options: { k: 3 } }',
      ].join('\n'),
    );
    const seen: string[] = [];
    const recorder = io(dir);
    const code = await runEvalCli(['run', 'collection.yaml', '--server', 'http://127.0.0.1:4321'], {
      ...recorder.io,
      fetch: async (input) => {
        seen.push(String(input));
        return new Response('{"error":{"message":"down"}}', { status: 503 });
      },
    });
    expect(code).toBe(2);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((url) => url.startsWith('http://127.0.0.1:4321/v1/'))).toBe(true);
  });
});
