import { type AnswerStreamEvent, NotFoundError, Ragline } from '@ragline/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../packages/server/src/cli/main.js';
import { createUpstreams, type GatewayServer, gatewayConfig, startGatewayServer } from './gateway-harness.js';
import { expectRealSpans, RECEIPTS_QUESTION, seedAnswerFixtures } from './support/answer-fixtures.js';
import { ADMIN_KEY } from './support/test-server.js';

/** answer.create / answer.stream and `ragline answer`, against the real server over a socket. */

// Captured before msw patches fetch: the SDK talks to the server over a real socket.
const realFetch = globalThis.fetch;
const upstreams = createUpstreams();
let server: GatewayServer;
let root: string;
let releaseId: string;
let ragline: Ragline;

beforeAll(async () => {
  upstreams.msw.listen({ onUnhandledRequest: 'bypass' });
  server = await startGatewayServer();
  server.useGateway(gatewayConfig([{ name: 'chat', strategy: 'single', targets: [{ ref: 'vllm-1' }] }]));
  root = server.baseURL.replace(/\/v1$/, '');
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await server.fetch(path.replace(/^\/v1/, ''), {
      method,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: await res.json() };
  };
  releaseId = (await seedAnswerFixtures(call)) as string;
  ragline = new Ragline({ baseURL: root, apiKey: ADMIN_KEY, fetch: realFetch, maxRetries: 0 });
});
afterEach(() => upstreams.reset());
afterAll(async () => {
  upstreams.msw.close();
  await server.close();
});

async function collect(events: AsyncIterable<AnswerStreamEvent>): Promise<AnswerStreamEvent[]> {
  const out: AnswerStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('SDK answer', () => {
  it('create: a typed answer with citations of real spans', async () => {
    const answer = await ragline.answer.create({ release: 'production', question: RECEIPTS_QUESTION });
    expect(answer.mode).toBe('generative');
    expect(answer.release?.id).toBe(releaseId);
    expect(answer.answer).toContain('You asked:');
    expectRealSpans(answer.citations);
    expect(answer.cost.basis).toBe('unpriced');
  });

  it('create: errors are typed', async () => {
    await expect(ragline.answer.create({ release: 'nope', question: 'q' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('stream: citations first, then tokens, then done', async () => {
    const stream = await ragline.answer.stream({ release: 'production', question: RECEIPTS_QUESTION });
    expect(stream.requestId).toMatch(/^req_/);
    const events = await collect(stream);
    const [first] = events;
    const last = events.at(-1);
    if (first?.type !== 'citations' || last?.type !== 'done')
      throw new Error(`unexpected ${first?.type} .. ${last?.type}`);
    expectRealSpans(first.citations);
    const text = events.map((e) => (e.type === 'token' ? e.text : '')).join('');
    expect(text).toBe(last.answer);
    expect(last.cited.length).toBeGreaterThan(0);
    expect(events.slice(1, -1).every((e) => e.type === 'token')).toBe(true);
  });

  it('stream: a cut answer ends with an error event', async () => {
    upstreams.vllm1.fault({ type: 'cut-after', chunks: 4 });
    const events = await collect(
      await ragline.answer.stream({ release: 'production', question: RECEIPTS_QUESTION }),
    );
    expect(events[0]?.type).toBe('citations');
    const last = events.at(-1);
    expect(last?.type).toBe('error');
    if (last?.type === 'error') expect(last.error.code).toBe('UPSTREAM_ERROR');
    expect(events.some((e) => e.type === 'done')).toBe(false);
  });

  it('stream: errors before the stream are thrown by the call', async () => {
    await expect(ragline.answer.stream({ release: 'nope', question: 'q' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

function capture() {
  let text = '';
  return {
    stream: {
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
      isTTY: false,
    },
    text: () => text,
  };
}

async function cli(args: string[]) {
  const out = capture();
  const err = capture();
  const code = await runCli(args, {
    stdout: out.stream,
    stderr: err.stream,
    env: { RAGLINE_URL: root, RAGLINE_API_KEY: ADMIN_KEY },
    clientOptions: { fetch: realFetch, maxRetries: 0 },
  });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('ragline answer', () => {
  it('prints the answer, the citations and what it cost', async () => {
    const res = await cli(['answer', RECEIPTS_QUESTION, '--release', 'production']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`You asked: Answer from these passages`);
    expect(res.stdout).toContain('Citations (* cited in the answer):');
    expect(res.stdout).toMatch(/\*\[1\] travel \[\d+, \d+\)/);
    expect(res.stdout).toContain(`release: ${releaseId}`);
    expect(res.stdout).toContain('prompt: support-bot@1');
    expect(res.stdout).toContain('model: chat (vllm-1)');
  });

  it('--stream prints tokens as they come, then the citations', async () => {
    const res = await cli(['answer', RECEIPTS_QUESTION, '--release', 'production', '--stream']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.indexOf('You asked:')).toBeLessThan(res.stdout.indexOf('Citations'));
    expect(res.stdout).toMatch(/\*\[1\] travel/);
  });

  it('--stream exits 1 with the error when the answer is cut', async () => {
    upstreams.vllm1.fault({ type: 'cut-after', chunks: 4 });
    const res = await cli(['answer', RECEIPTS_QUESTION, '--release', 'production', '--stream']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('the answer failed after it began (UPSTREAM_ERROR)');
  });

  it('labels an extractive answer', async () => {
    const res = await cli(['answer', RECEIPTS_QUESTION, '-c', 'handbook', '--extractive']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^Extractive answer \(as requested\)/);
    expect(res.stdout).toContain('[1] (document: travel)');
    expect(upstreams.vllm1.requests).toHaveLength(0);
  });

  it('--json prints the response; usage errors exit 2', async () => {
    const json = await cli(['answer', 'receipts', '-c', 'handbook', '-p', 'support-bot@1', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      mode: 'generative',
      prompt: { name: 'support-bot', version: 1 },
    });
    const usage = await cli(['answer', 'q', '--release', 'production', '-c', 'handbook']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--collection cannot be used with --release');
  });
});
