import { Ragline } from '@ragline/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../packages/server/src/cli/main.js';
import {
  expectRealSpans,
  parseSse,
  RECEIPTS_QUESTION,
  seedAnswerFixtures,
} from './support/answer-fixtures.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

/** The embedded default: no gateway config, so answers are extractive, and say so. */

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  server = await createInProcessServer();
  api = client(server.fetch, server.baseURL, ADMIN_KEY);
  await seedAnswerFixtures(api.call, { release: false });
});
afterAll(() => server?.close());

describe('answers without a model', () => {
  it('answers a collection and a question with the best passages, labelled extractive', async () => {
    const res = await api.post('/v1/answer', { collection: 'handbook', question: RECEIPTS_QUESTION });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({
      mode: 'extractive',
      extractiveReason: 'no-model',
      release: null,
      prompt: null,
      model: null,
      cost: { micros: 0, dollars: '0.000000', basis: 'unpriced' },
      usage: { inputTokens: 0, outputTokens: 0, source: 'none' },
    });
    expectRealSpans(res.json.citations);
    expect(res.json.citations[0].documentId).toBe('travel');
    expect(res.json.answer.startsWith(`[1] (document: travel)\n${res.json.citations[0].text}`)).toBe(true);
  });

  it('answers extractively with a prompt whose model route this server does not have', async () => {
    const res = await api.post('/v1/answer', {
      collection: 'handbook',
      prompt: { name: 'support-bot' },
      question: RECEIPTS_QUESTION,
    });
    expect(res.status).toBe(200);
    expect(res.json.extractiveReason).toBe('no-model');
  });

  it('still answers 404 for a prompt that does not exist', async () => {
    const res = await api.post('/v1/answer', {
      collection: 'handbook',
      prompt: { name: 'support-bott' },
      question: RECEIPTS_QUESTION,
    });
    expect(res.status).toBe(404);
    expect(res.json.error.message).toContain('support-bott');
  });

  it('refuses mode generative without a model, naming the missing route', async () => {
    const res = await api.post('/v1/answer', {
      collection: 'handbook',
      prompt: { name: 'support-bot' },
      question: RECEIPTS_QUESTION,
      mode: 'generative',
    });
    expect(res.status).toBe(404);
    expect(res.json.error.message).toContain('"chat"');
  });

  it('streams an extractive answer', async () => {
    const res = await server.fetch(`${server.baseURL}/v1/answer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ collection: 'handbook', question: RECEIPTS_QUESTION, stream: true }),
    });
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event)).toEqual(['citations', 'token', 'done']);
    expect(events[0]?.data.extractiveReason).toBe('no-model');
  });

  it('works from the SDK and the CLI', async () => {
    const ragline = new Ragline({
      baseURL: server.baseURL,
      apiKey: ADMIN_KEY,
      fetch: server.fetch as typeof fetch,
    });
    const answer = await ragline.answer.create({ collection: 'handbook', question: RECEIPTS_QUESTION });
    expect(answer.mode).toBe('extractive');
    expectRealSpans(answer.citations);

    let stdout = '';
    let stderr = '';
    const code = await runCli(['answer', RECEIPTS_QUESTION, '-c', 'handbook', '-p', 'support-bot'], {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      env: { RAGLINE_URL: server.baseURL, RAGLINE_API_KEY: ADMIN_KEY },
      clientOptions: { fetch: server.fetch as typeof fetch, maxRetries: 0 },
    });
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^Extractive answer \(no model is configured\)/);
    expect(stdout).toContain('*[1] travel [0, ');
  });
});
