import { describe, expect, it } from 'vitest';
import { APIConnectionError, APIUserAbortError, NotFoundError } from '../core/errors.js';
import { createRequester } from '../core/request.js';
import { createPrompts } from './prompts.js';

/** The prompt cache against a scripted fetch and a hand-moved clock. */

const version = (n: number, labels: string[] = ['latest']) => ({
  name: 'support/answer',
  version: n,
  kind: 'text',
  template: `template v${n}`,
  messages: null,
  variables: { type: 'object', properties: {}, required: [] },
  model: null,
  message: null,
  contentHash: `hash${n}`,
  labels,
  createdAt: '2026-05-01T00:00:00.000Z',
  createdBy: null,
});

function setup() {
  let now = 0;
  let serving: number | 'down' | 'missing' = 1;
  const calls: string[] = [];
  let gate: Promise<void> | null = null;
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    calls.push(`${init?.method} ${url.replace('http://ragline.test', '')}`);
    if (gate) await gate;
    if (serving === 'down') throw new TypeError('fetch failed');
    if (serving === 'missing') {
      const body = { error: { code: 'NOT_FOUND', message: 'prompt "x" does not exist', requestId: 'r' } };
      return new Response(JSON.stringify(body), { status: 404 });
    }
    if (init?.method === 'PUT') {
      const label = { name: 'support/answer', label: 'production', version: 1, previousVersion: null };
      return Response.json({ ...label, moved: true, decision: null, updatedAt: '', updatedBy: null });
    }
    const pinned = new URL(url).searchParams.get('version');
    return Response.json(version(pinned ? Number(pinned) : serving));
  };
  const request = createRequester({
    baseURL: 'http://ragline.test',
    apiKey: 'k',
    fetch: fetch as typeof globalThis.fetch,
    maxRetries: 0,
    timeout: 1_000,
    defaultHeaders: {},
    sleep: async () => {},
  });
  const prompts = createPrompts(request, { now: () => now });
  return {
    prompts,
    calls,
    advance: (ms: number) => {
      now += ms;
    },
    serve: (what: typeof serving) => {
      serving = what;
    },
    hold: () => {
      let release!: () => void;
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        gate = null;
        release();
      };
    },
  };
}

/** Lets background refreshes settle. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('prompts.get cache', () => {
  it('serves a fresh copy without asking the server', async () => {
    const t = setup();
    expect((await t.prompts.get('support/answer', { label: 'production' })).version).toBe(1);
    t.advance(59_999);
    expect(await t.prompts.get('support/answer', { label: 'production' })).toMatchObject({
      version: 1,
      isFallback: false,
    });
    expect(t.calls).toEqual(['GET /v1/prompts/support%2Fanswer?label=production']);
  });

  it('after the ttl, serves the stale copy at once and refreshes it in the background', async () => {
    const t = setup();
    await t.prompts.get('support/answer', { cacheTtlMs: 1_000 });
    t.serve(2);
    t.advance(1_000);
    const release = t.hold();
    // the refresh is held at the server, yet the stale copy comes back
    expect((await t.prompts.get('support/answer', { cacheTtlMs: 1_000 })).version).toBe(1);
    expect((await t.prompts.get('support/answer', { cacheTtlMs: 1_000 })).version).toBe(1);
    expect(t.calls).toHaveLength(2);
    release();
    await settle();
    expect((await t.prompts.get('support/answer', { cacheTtlMs: 1_000 })).version).toBe(2);
    expect(t.calls).toHaveLength(2);
  });

  it('keeps serving the stale copy while the server is down, trying once per ttl', async () => {
    const t = setup();
    await t.prompts.get('support/answer', { cacheTtlMs: 1_000 });
    t.serve('down');
    t.advance(5_000);
    for (let i = 0; i < 3; i++) {
      expect((await t.prompts.get('support/answer', { cacheTtlMs: 1_000 })).version).toBe(1);
      await settle();
    }
    expect(t.calls).toHaveLength(2);
    t.advance(1_000);
    t.serve(3);
    await t.prompts.get('support/answer', { cacheTtlMs: 1_000 });
    await settle();
    expect((await t.prompts.get('support/answer', { cacheTtlMs: 1_000 })).version).toBe(3);
  });

  it('uses the fallback only when the server is unreachable and nothing is cached', async () => {
    const t = setup();
    t.serve('down');
    const fallback = { template: 'Answer: {{question}}', model: { model: 'small' } };
    expect(await t.prompts.get('support/answer', { label: 'production', fallback })).toEqual({
      name: 'support/answer',
      version: 0,
      kind: 'text',
      template: 'Answer: {{question}}',
      messages: null,
      variables: { type: 'object', properties: {}, required: [] },
      model: { model: 'small' },
      message: null,
      contentHash: '',
      labels: [],
      createdAt: '',
      createdBy: null,
      isFallback: true,
    });
    await expect(t.prompts.get('support/answer', { label: 'production' })).rejects.toBeInstanceOf(
      APIConnectionError,
    );
    // a prompt that does not exist is an error, fallback or not
    t.serve('missing');
    await expect(t.prompts.get('x', { fallback })).rejects.toBeInstanceOf(NotFoundError);
    // the fallback was never cached: the real prompt comes once the server is back
    t.serve(1);
    expect(await t.prompts.get('support/answer', { label: 'production', fallback })).toMatchObject({
      version: 1,
      isFallback: false,
    });
    const chat = await setupDown().prompts.get('p', {
      fallback: { messages: [{ role: 'user', content: 'q' }] },
    });
    expect(chat).toMatchObject({ kind: 'chat', template: null, messages: [{ role: 'user', content: 'q' }] });
  });

  it('never refreshes a pinned version, and keys labels and versions apart', async () => {
    const t = setup();
    await t.prompts.get('support/answer', { version: 7, cacheTtlMs: 0 });
    await t.prompts.get('support/answer', { version: 7, cacheTtlMs: 0 });
    await settle();
    expect((await t.prompts.get('support/answer', { version: 7 })).version).toBe(7);
    expect((await t.prompts.get('support/answer', { label: 'staging' })).version).toBe(1);
    expect(t.calls).toEqual([
      'GET /v1/prompts/support%2Fanswer?version=7',
      'GET /v1/prompts/support%2Fanswer?label=staging',
    ]);
  });

  it('shares one load between concurrent misses', async () => {
    const t = setup();
    const release = t.hold();
    const all = Promise.all(Array.from({ length: 5 }, () => t.prompts.get('support/answer')));
    release();
    expect((await all).map((p) => p.version)).toEqual([1, 1, 1, 1, 1]);
    expect(t.calls).toHaveLength(1);
  });

  it('forgets a name after this client moves its label or creates a version, and on clearCache', async () => {
    const t = setup();
    await t.prompts.get('support/answer', { label: 'production' });
    await t.prompts.label('support/answer', 'production', 1);
    await t.prompts.get('support/answer', { label: 'production' });
    t.prompts.clearCache('other');
    await t.prompts.get('support/answer', { label: 'production' });
    t.prompts.clearCache();
    await t.prompts.get('support/answer', { label: 'production' });
    expect(t.calls.filter((c) => c.startsWith('GET'))).toHaveLength(3);
    expect(t.calls).toContain('PUT /v1/prompts/support%2Fanswer/labels/production');
  });

  it('asks the server every time with cache: false, and stops waiting when the caller aborts', async () => {
    const t = setup();
    await t.prompts.get('support/answer', { cache: false });
    await t.prompts.get('support/answer', { cache: false });
    expect(t.calls).toHaveLength(2);

    const release = t.hold();
    const controller = new AbortController();
    const waiting = t.prompts.get('support/answer', { label: 'slow' }, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(APIUserAbortError);
    release();
    await settle();
    // the shared load went on and filled the cache
    expect((await t.prompts.get('support/answer', { label: 'slow' })).version).toBe(1);
    expect(t.calls).toHaveLength(3);
  });
});

function setupDown() {
  const t = setup();
  t.serve('down');
  return t;
}
