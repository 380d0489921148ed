import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderJsonReport, renderJsonReportChunks } from '../reports/json-report.js';
import type { EvalCase, EvalRun } from '../run/eval-run.js';
import { parseRun } from '../run/parse-run.js';
import type { InlineCase, SuiteDefinition } from '../suite/suite-definition.js';
import { type FakeChatEndpoint, startFakeChatEndpoint } from '../testing/fake-chat-endpoint.js';
import type { FetchLike } from './endpoint-client.js';
import { readResultsFile } from './results-file.js';
import { runSuite, runSuiteToFile } from './run-suite.js';

/** "What is N plus N?" with the expected answer 2N. */
const cases = (count: number): InlineCase[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `add-${i + 1}`,
    input: `What is ${i + 1} plus ${i + 1}?`,
    expected: String(2 * (i + 1)),
  }));

const correct = (question: string) => String(2 * Number(/What is (\d+) plus/.exec(question)?.[1]));

let endpoints: FakeChatEndpoint[] = [];
afterEach(async () => {
  await Promise.all(endpoints.map((endpoint) => endpoint.close()));
  endpoints = [];
});

async function endpoint(): Promise<FakeChatEndpoint> {
  const started = await startFakeChatEndpoint(correct);
  endpoints.push(started);
  return started;
}

function suiteFor(
  fake: FakeChatEndpoint,
  count: number,
  extra: Partial<SuiteDefinition> = {},
): SuiteDefinition {
  return {
    name: 'arithmetic',
    cases: cases(count),
    target: { kind: 'endpoint', baseURL: fake.baseURL, model: 'fake-model' },
    metrics: [
      { name: 'exact', kind: 'equals', options: { trim: true } },
      { name: 'f1', kind: 'token-f1' },
    ],
    concurrency: 3,
    ...extra,
  };
}

/** The user message of every request the endpoint received, in arrival order. */
const questions = (fake: FakeChatEndpoint, from = 0) =>
  fake.requests
    .slice(from)
    .map((request) => (request.body as { messages: { content: string }[] }).messages.at(-1)?.content);

/** A fetch that fails (as an unreachable host does) for the listed questions and passes the rest on. */
function failingFor(failing: ReadonlySet<string>): FetchLike {
  return (input, init) => {
    const body = JSON.parse(String(init.body)) as { messages: { content: string }[] };
    if (failing.has(body.messages.at(-1)?.content ?? ''))
      return Promise.reject(new TypeError('fetch failed'));
    return fetch(input, init);
  };
}

const cacheDir = () => mkdtemp(join(tmpdir(), 'ragline-eval-cache-'));

describe('runSuite with a run cache', () => {
  it('reuses every stored repeat on an unchanged second run: no target call, same scores, marked cached', async () => {
    const fake = await endpoint();
    const dir = await cacheDir();
    const suite = suiteFor(fake, 5);
    const first = await runSuite(suite, { cache: { dir } });
    expect(fake.requests).toHaveLength(5);
    expect(first.cases.every((item) => item.repeats[0]?.cached === undefined)).toBe(true);
    expect(first.summary.operational?.cached).toBe(0);

    const second = await runSuite(suite, { cache: { dir } });
    expect(fake.requests).toHaveLength(5);
    expect(second.summary.operational).toMatchObject({ calls: 5, cached: 5, errorRate: 0 });
    expect(second.cases.map((item) => item.repeats[0])).toEqual(
      first.cases.map((item) => ({ ...item.repeats[0], cached: true })),
    );
    expect(second.summary.passed).toBe(true);
    // Without the option nothing is read: the library default is no cache.
    await runSuite(suite);
    expect(fake.requests).toHaveLength(10);
  });

  it('re-runs exactly what changed: one case, the metric config, the target, a new repeat', async () => {
    const fake = await endpoint();
    const dir = await cacheDir();
    const suite = suiteFor(fake, 4);
    await runSuite(suite, { cache: { dir } });
    expect(fake.requests).toHaveLength(4);

    // One case's input changed: that case alone is called again; tags alone change nothing.
    const edited = suiteFor(fake, 4, {
      cases: cases(4).map((item, i) =>
        i === 2 ? { ...item, input: 'What is 3 plus 3 ?' } : { ...item, tags: ['new-tag'] },
      ),
    });
    const afterEdit = await runSuite(edited, { cache: { dir } });
    expect(questions(fake, 4)).toEqual(['What is 3 plus 3 ?']);
    expect(afterEdit.cases.map((item) => item.repeats[0]?.cached === true)).toEqual([
      true,
      true,
      false,
      true,
    ]);

    // A metric's threshold is part of the metric config: every case runs again.
    const before = fake.requests.length;
    const stricter = suiteFor(fake, 4, {
      metrics: [
        { name: 'exact', kind: 'equals', options: { trim: true } },
        { name: 'f1', kind: 'token-f1', threshold: 0.9 },
      ],
    });
    await runSuite(stricter, { cache: { dir } });
    expect(fake.requests.length - before).toBe(4);
    await runSuite(stricter, { cache: { dir } });
    expect(fake.requests.length - before).toBe(4);

    // The caller's extra key (e.g. judge prompt versions) counts as metric config too.
    await runSuite(suite, { cache: { dir }, metricConfigExtra: { judge: 'ragline-judge-faithfulness@2' } });
    expect(fake.requests.length - before).toBe(8);

    // A different target content hash (here its system prompt): every case runs again.
    const otherTarget = suiteFor(fake, 4, {
      target: { kind: 'endpoint', baseURL: fake.baseURL, model: 'fake-model', system: 'Be brief.' },
    });
    await runSuite(otherTarget, { cache: { dir } });
    expect(fake.requests.length - before).toBe(12);

    // Two repeats where one was stored: only repeat 2 of each case is called.
    const twice = await runSuite(suite, { cache: { dir }, repeats: 2 });
    expect(fake.requests.length - before).toBe(16);
    expect(twice.cases[0]?.repeats.map((repeat) => repeat.cached === true)).toEqual([true, false]);
  });

  it('never stores a repeat that failed: the next run calls it again', async () => {
    const fake = await endpoint();
    const dir = await cacheDir();
    const suite = suiteFor(fake, 3);
    const broken = await runSuite(suite, {
      cache: { dir },
      fetch: failingFor(new Set(['What is 2 plus 2?'])),
    });
    expect(broken.summary).toMatchObject({ errors: 1, incomplete: true });
    expect(fake.requests).toHaveLength(2);

    const repaired = await runSuite(suite, { cache: { dir } });
    expect(questions(fake, 2)).toEqual(['What is 2 plus 2?']);
    expect(repaired.summary).toMatchObject({ errors: 0, incomplete: false, passed: true });
    expect(repaired.summary.operational).toMatchObject({ calls: 3, cached: 2 });
  });
});

describe('runSuite options', () => {
  it('reports progress after every call, cached ones included, and honours a concurrency override', async () => {
    const fake = await endpoint();
    const dir = await cacheDir();
    const progress: [number, number][] = [];
    await runSuite(suiteFor(fake, 3), {
      repeats: 2,
      concurrency: 1,
      cache: { dir },
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6].map((done) => [done, 6]));
    expect(fake.peakInFlight()).toBe(1);
    const again: number[] = [];
    await runSuite(suiteFor(fake, 3), { repeats: 2, cache: { dir }, onProgress: (done) => again.push(done) });
    expect(again).toEqual([1, 2, 3, 4, 5, 6]);
    expect(fake.requests).toHaveLength(6);
    await expect(runSuite(suiteFor(fake, 3), { concurrency: 0 })).rejects.toThrow(
      /concurrency: must be a positive integer/,
    );
  });
});

describe('operational figures and gates in the run', () => {
  it('records latency percentiles, error rate and no cost for an endpoint target', async () => {
    const fake = await endpoint();
    const run = await runSuite(suiteFor(fake, 4), { fetch: failingFor(new Set(['What is 4 plus 4?'])) });
    const latencies = run.cases
      .flatMap((item) => item.repeats)
      .filter((repeat) => repeat.error === undefined)
      .map((repeat) => repeat.latencyMs)
      .sort((a, b) => a - b);
    // Three answered calls: nearest rank p50 = 2nd, p95 = 3rd.
    expect(run.summary.operational).toEqual({
      calls: 4,
      cached: 0,
      errorRate: 0.25,
      latencyP50Ms: latencies[1],
      latencyP95Ms: latencies[2],
      costPerCaseMicros: null,
    });
  });

  it('makes any failed call an incomplete run by default (errorRate 0)', async () => {
    const fake = await endpoint();
    const run = await runSuite(suiteFor(fake, 10), { fetch: failingFor(new Set(['What is 4 plus 4?'])) });
    expect(run.summary).toMatchObject({ errors: 1, incomplete: true, passed: false });
    expect(run.gates.operational).toBeUndefined();
  });

  it('gates failed calls against gate.operational.errorRate: within it the rest is gated, over it the gate fails', async () => {
    const fake = await endpoint();
    const failing = failingFor(new Set(['What is 4 plus 4?']));
    const gate = (errorRate: number): SuiteDefinition['gate'] => ({
      absolute: [{ metric: 'exact', threshold: 1 }],
      operational: { errorRate, latencyP95Ms: 60_000 },
    });
    // 1 failed call of 10 = 0.1: at the limit, complete, gated on the 9 answered cases.
    const within = await runSuite(suiteFor(fake, 10, { gate: gate(0.1) }), { fetch: failing });
    expect(within.summary).toMatchObject({ errors: 1, incomplete: false, passed: true });
    expect(within.gates.absolute[0]).toMatchObject({ passed: true, value: 1, n: 9 });
    expect(within.gates.operational).toEqual([
      {
        figure: 'latencyP95Ms',
        value: within.summary.operational?.latencyP95Ms,
        max: 60_000,
        passed: true,
      },
      { figure: 'errorRate', value: 0.1, max: 0.1, passed: true },
    ]);

    // Over the limit: a complete run that fails its error-rate gate (exit 1), not an incomplete one.
    const over = await runSuite(suiteFor(fake, 10, { gate: gate(0.05) }), { fetch: failing });
    expect(over.summary).toMatchObject({ errors: 1, incomplete: false, passed: false });
    expect(over.gates.operational?.find((record) => record.figure === 'errorRate')).toEqual({
      figure: 'errorRate',
      value: 0.1,
      max: 0.05,
      passed: false,
    });

    // No call answered: unreachable, incomplete whatever the tolerated rate.
    const everyQuestion = new Set(cases(10).map((item) => item.input));
    const down = await runSuite(suiteFor(fake, 10, { gate: gate(0.5) }), {
      fetch: failingFor(everyQuestion),
    });
    expect(down.summary).toMatchObject({ errors: 10, incomplete: true, passed: false });
  });

  it('fails a latency limit the run exceeds', async () => {
    const fake = await endpoint();
    const run = await runSuite(suiteFor(fake, 3, { gate: { operational: { latencyP50Ms: 0 } } }));
    expect(run.gates.operational).toEqual([
      { figure: 'latencyP50Ms', value: run.summary.operational?.latencyP50Ms, max: 0, passed: false },
    ]);
    expect(run.summary).toMatchObject({ incomplete: false, passed: false });
  });
});

describe('runSuiteToFile', () => {
  it('streams finished cases to a file that reads back in dataset order and renders the same JSON report', async () => {
    const fake = await endpoint();
    const dir = await mkdtemp(join(tmpdir(), 'ragline-eval-results-'));
    const file = join(dir, 'results.jsonl');
    // Odd cases answer 15 ms later, so cases finish out of dataset order.
    const slowOdd: FetchLike = async (input, init) => {
      const question = (JSON.parse(String(init.body)) as { messages: { content: string }[] }).messages[0]
        ?.content;
      if (Number(/What is (\d+)/.exec(question ?? '')?.[1]) % 2 === 1)
        await new Promise((resolve) => setTimeout(resolve, 15));
      return fetch(input, init);
    };
    const suite = suiteFor(fake, 20, { concurrency: 4 });
    const scored = await runSuiteToFile(suite, file, { fetch: slowOdd, repeats: 2 });

    const written = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { index: number }).index);
    expect(written).toHaveLength(20);
    expect(written).not.toEqual([...written].sort((a, b) => a - b));

    // The run in memory keeps scores only: no input, expected value or output.
    expect(scored.cases[0]).toEqual({
      id: 'add-1',
      repeats: [
        expect.not.objectContaining({ output: expect.anything() }),
        expect.not.objectContaining({ output: expect.anything() }),
      ],
    });
    expect(Object.keys(scored.cases[0]?.repeats[0] ?? {}).sort()).toEqual(['latencyMs', 'passed', 'scores']);

    const streamed: EvalCase[] = [];
    for await (const item of readResultsFile(file)) streamed.push(item);
    expect(streamed.map((item) => item.id)).toEqual(cases(20).map((item) => item.id));
    expect(streamed[6]).toMatchObject({
      id: 'add-7',
      input: 'What is 7 plus 7?',
      expected: '14',
      repeats: [{ output: '14', scores: { exact: 1 } }, { output: '14' }],
    });

    let text = '';
    for await (const chunk of renderJsonReportChunks(scored, readResultsFile(file))) text += chunk;
    const full: EvalRun = { ...scored, cases: streamed };
    expect(text).toBe(renderJsonReport(full));
    const loaded = parseRun(text);
    expect(loaded.cases).toHaveLength(20);
    expect(loaded.summary.operational).toEqual(scored.summary.operational);
    expect(loaded).toEqual(parseRun(renderJsonReport(full)));
    // A run without cases renders the same way too.
    let empty = '';
    for await (const chunk of renderJsonReportChunks({ ...scored, cases: [] }, [])) empty += chunk;
    expect(empty).toBe(renderJsonReport({ ...scored, cases: [] }));
    expect(await readdir(dir)).toEqual(['results.jsonl']);
  });
});
