import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadRequestError, Ragline } from '@ragline/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../packages/server/src/cli/main.js';
import { evalRunFixture } from '../packages/server/src/ports/eval-run-document.fixture.js';
import {
  ANSWER_DOCS,
  expectRealSpans,
  parseSse,
  RECEIPTS_QUESTION,
  seedAnswerFixtures,
} from './support/answer-fixtures.js';
import { client } from './support/http.js';
import { recordPassingRun } from './support/passing-eval-run.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

/**
 * The newcomer's flow on the embedded default (no gateway config, so no model route): push a prompt,
 * ingest, create a release without a model, label it production, and get cited, extractive answers over
 * HTTP, the SDK and the CLI.
 */

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let api: ReturnType<typeof client>;
let sdk: Ragline;
let folder: string;

const RELEASE_PINS = { prompt: { name: 'support-bot' }, retrieval: { collection: 'handbook', topK: 5 } };

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (chunk: string) => (stdout += chunk), isTTY: false },
    stderr: { write: (chunk: string) => (stderr += chunk), isTTY: false },
    env: { RAGLINE_URL: server.baseURL, RAGLINE_API_KEY: ADMIN_KEY },
    cwd: folder,
    clientOptions: { fetch: server.fetch as typeof fetch, maxRetries: 0 },
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  server = await createInProcessServer();
  api = client(server.fetch, server.baseURL, ADMIN_KEY);
  sdk = new Ragline({
    baseURL: server.baseURL,
    apiKey: ADMIN_KEY,
    fetch: server.fetch as typeof fetch,
    maxRetries: 0,
  });
  // The prompts name a model route (`chat`) that this server does not have.
  await seedAnswerFixtures(api.call, { release: false });
  folder = await mkdtemp(join(tmpdir(), 'ragline-newcomer-'));
});
afterAll(async () => {
  await server?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('over HTTP', () => {
  let releaseId: string;

  it('creates a release without a model: model null, the same pins give the same release', async () => {
    const created = await api.post('/v1/releases', RELEASE_PINS);
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json.pins).toMatchObject({ prompt: { name: 'support-bot', version: 1 }, model: null });
    releaseId = created.json.id;
    const again = await api.post('/v1/releases', { ...RELEASE_PINS, model: null });
    expect([again.status, again.json.id, again.json.created]).toEqual([200, releaseId, false]);
  });

  it('still refuses a model route this server does not have, naming it', async () => {
    const res = await api.post('/v1/releases', { ...RELEASE_PINS, model: { route: 'chat' } });
    expect(res.status).toBe(404);
    expect(res.json.error.message).toMatch(/^model\.route: route "chat" does not exist/);
  });

  it('labels it production and answers extractively from the label, citing real spans', async () => {
    // `production` is gated: a passing eval run on the release comes first
    await recordPassingRun(api.call, releaseId);
    const label = await api.call('PUT', '/v1/releases/labels/production', { release: releaseId });
    expect(label.status, JSON.stringify(label.json)).toBe(200);
    const shown = await api.get('/v1/releases/production');
    expect(shown.json).toMatchObject({ id: releaseId, labels: ['production'], pins: { model: null } });

    const res = await api.post('/v1/answer', { release: 'production', question: RECEIPTS_QUESTION });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({
      mode: 'extractive',
      extractiveReason: 'release-has-no-model',
      release: { id: releaseId },
      prompt: null,
      model: null,
      usage: { inputTokens: 0, outputTokens: 0, source: 'none' },
      cost: { micros: 0, basis: 'unpriced' },
    });
    expectRealSpans(res.json.citations);
    expect(res.json.citations.length).toBeLessThanOrEqual(5);
    expect(res.json.citations[0].documentId).toBe('travel');
    expect(res.json.answer.startsWith(`[1] (document: travel)\n${res.json.citations[0].text}`)).toBe(true);
  });

  it('streams it: citations, the passages as one token, done', async () => {
    const res = await server.fetch(`${server.baseURL}/v1/answer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ release: 'production', question: RECEIPTS_QUESTION, stream: true }),
    });
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event)).toEqual(['citations', 'token', 'done']);
    expect(events[0]?.data).toMatchObject({
      mode: 'extractive',
      extractiveReason: 'release-has-no-model',
      release: { id: releaseId },
    });
    expectRealSpans(events[0]?.data.citations);
    expect(events[2]?.data.answer).toBe(events[1]?.data.text);
  });

  it('refuses mode generative with a 400 naming mode; mode extractive is "requested"', async () => {
    const generative = await api.post('/v1/answer', {
      release: 'production',
      question: RECEIPTS_QUESTION,
      mode: 'generative',
    });
    expect(generative.status).toBe(400);
    expect(generative.json.error.message).toMatch(/^mode: release "rel_[0-9a-f]{24}" pins no model/);
    const extractive = await api.post('/v1/answer', {
      release: releaseId,
      question: RECEIPTS_QUESTION,
      mode: 'extractive',
    });
    expect(extractive.json.extractiveReason).toBe('requested');
  });
});

describe('from the SDK', () => {
  it('creates, labels and answers (create and stream) with a release without a model', async () => {
    const release = await sdk.releases.create({
      prompt: { name: 'support-chat' },
      retrieval: { collection: 'handbook', mode: 'lexical', topK: 3 },
    });
    expect(release.created).toBe(true);
    expect(release.pins.model).toBeNull();
    await sdk.releases.setLabel('staging', release.id);

    const answer = await sdk.answer.create({ release: 'staging', question: RECEIPTS_QUESTION });
    expect(answer).toMatchObject({
      mode: 'extractive',
      extractiveReason: 'release-has-no-model',
      release: { id: release.id },
    });
    expectRealSpans(answer.citations);
    expect(answer.citations.every((c) => c.cited)).toBe(true);

    const types: string[] = [];
    let streamed = '';
    for await (const event of await sdk.answer.stream({ release: 'staging', question: RECEIPTS_QUESTION })) {
      types.push(event.type);
      if (event.type === 'citations') expect(event.extractiveReason).toBe('release-has-no-model');
      if (event.type === 'done') streamed = event.answer;
    }
    expect(types).toEqual(['citations', 'token', 'done']);
    expect(streamed).toBe(answer.answer);

    const refused = await sdk.answer
      .create({ release: 'staging', question: RECEIPTS_QUESTION, mode: 'generative' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BadRequestError);
    expect((refused as BadRequestError).message).toMatch(/mode: release .* pins no model/);
  });
});

describe('from the CLI', () => {
  it('pushes a prompt, ingests, creates a release without --model, labels it and answers', async () => {
    await writeFile(
      join(folder, 'newcomer.yaml'),
      'name: newcomer\ntemplate: "Answer from {{context}}: {{question}}"\n',
    );
    await mkdir(join(folder, 'docs'));
    for (const doc of ANSWER_DOCS) await writeFile(join(folder, 'docs', `${doc.id}.txt`), doc.text);
    const pushed = await cli(['prompts', 'push', 'newcomer.yaml']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const ingested = await cli(['ingest', 'docs', '-c', 'newcomer-docs', '--create', '--embedder', 'none']);
    expect(ingested.code, ingested.stderr).toBe(0);

    const created = await cli([
      'releases',
      'create',
      '--prompt',
      'newcomer',
      '--collection',
      'newcomer-docs',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(
      /^Created release rel_[0-9a-f]{24}\n {2}prompt newcomer@1, no model \(extractive\), collection newcomer-docs@\S+ \(lexical, top 8\)\n$/,
    );
    const id = /(rel_[0-9a-f]{24})/.exec(created.stdout)?.[1] as string;
    expect((await sdk.evals.runs.record(evalRunFixture({ contentHash: id }))).passed).toBe(true);
    const labelled = await cli(['releases', 'label', id, 'production']);
    expect(labelled.code, labelled.stderr).toBe(0);
    expect(labelled.stdout).toMatch(new RegExp(`^production -> ${id} \\(was rel_[0-9a-f]{24}\\)\\n$`));
    const shown = await cli(['releases', 'show', 'production']);
    expect(shown.stdout).toContain('  model       none: extractive, answers are the best passages\n');

    const answered = await cli(['answer', RECEIPTS_QUESTION, '--release', 'production']);
    expect(answered.code, answered.stderr).toBe(0);
    expect(answered.stdout).toMatch(/^Extractive answer \(the release pins no model\): /);
    expect(answered.stdout).toContain('*[1] travel.txt [0, ');
    expect(answered.stdout).toContain(`mode: extractive | release: ${id}\n`);

    const streamed = await cli(['answer', RECEIPTS_QUESTION, '--release', 'production', '--stream']);
    expect(streamed.code, streamed.stderr).toBe(0);
    expect(streamed.stdout).toMatch(/^Extractive answer \(the release pins no model\): /);

    const json = await cli(['answer', RECEIPTS_QUESTION, '--release', 'production', '--json']);
    const response = JSON.parse(json.stdout);
    expect(response.release).toEqual({ id });
    // Citations point at real spans of the ingested files.
    expect(response.citations.length).toBeGreaterThan(0);
    for (const c of response.citations) {
      const doc = ANSWER_DOCS.find((d) => `${d.id}.txt` === c.documentId);
      expect(doc?.text.slice(c.start, c.end), c.documentId).toBe(c.text);
    }
  });
});
