import { describe, expect, it } from 'vitest';
import { EndpointError, type FetchLike } from '../runner/endpoint-client.js';
import { SuiteError } from '../suite/suite-definition.js';
import { promptModelContentHash } from './prompt-model-target.js';
import { resolveTarget } from './resolve-target.js';
import type { TargetContext } from './target.js';

/** Records each request and answers it with `reply`. */
function fakeFetch(reply: (url: string) => Response | Promise<Response>) {
  const requests: { url: string; headers: Headers; body: unknown }[] = [];
  const fetch: FetchLike = async (url, init) => {
    requests.push({
      url,
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    return reply(url);
  };
  return { fetch, requests };
}

const RELEASE_ID = 'rel_0123456789abcdef01234567';
const release = {
  id: RELEASE_ID,
  pins: {
    prompt: { name: 'p', version: 1 },
    model: null,
    retrieval: { collection: 'c', mode: 'lexical', topK: 2 },
    collection: { name: 'c', version: '3', id: 'col_1' },
  },
  labels: ['production'],
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: null,
};
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const context = (fetch: FetchLike, env: Record<string, string> = {}): TargetContext => ({
  fetch,
  env,
  where: 'suite "s"',
});
const releaseTarget = { kind: 'release', release: 'production', server: 'http://ragline.test/v1/' } as const;

describe('server targets: failures are EndpointErrors naming the URL and status', () => {
  it('a 5xx while resolving the release', async () => {
    const { fetch } = fakeFetch(() =>
      json({ error: { code: 'INTERNAL', message: 'database locked', requestId: 'req_1' } }, 503),
    );
    const failure = resolveTarget(releaseTarget, context(fetch));
    await expect(failure).rejects.toThrow(EndpointError);
    await expect(failure).rejects.toThrow(
      'http://ragline.test/v1/releases/production answered 503 INTERNAL: database locked',
    );
  });

  it('an unreachable server, once, without retries', async () => {
    const { fetch, requests } = fakeFetch(() => {
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    });
    await expect(resolveTarget(releaseTarget, context(fetch))).rejects.toThrow(
      /^http:\/\/ragline\.test\/v1\/releases\/production unreachable: .*fetch failed/,
    );
    expect(requests).toHaveLength(1);
  });

  it('a 2xx body that breaks the contract', async () => {
    const { fetch } = fakeFetch((url) => (url.endsWith('/v1/answer') ? json({ answer: 42 }) : json(release)));
    const target = await resolveTarget(releaseTarget, context(fetch));
    const failure = target.call({ id: 'q', input: 'hi' }, 'hi');
    await expect(failure).rejects.toThrow(EndpointError);
    await expect(failure).rejects.toThrow(
      /^http:\/\/ragline\.test\/v1\/answer answered 200 with a malformed body/,
    );
  });

  it('a prompt-model chat call (no collection) that answers 502', async () => {
    const { fetch } = fakeFetch((url) => {
      if (url.endsWith('/render'))
        return json({
          prompt: { name: 'p', version: 2 },
          kind: 'text',
          text: 'Q: hi',
          messages: null,
          model: null,
        });
      if (url.includes('/v1/chat/completions')) return new Response('bad gateway', { status: 502 });
      return json({
        name: 'p',
        version: 2,
        kind: 'text',
        template: 'Q: {{question}}',
        messages: null,
        variables: { type: 'object', properties: {}, required: [] },
        model: null,
        message: null,
        contentHash: 'h',
        labels: [],
        createdAt: '2026-01-01T00:00:00.000Z',
        createdBy: null,
      });
    });
    const target = await resolveTarget(
      { kind: 'prompt-model', prompt: { name: 'p' }, model: 'chat', server: 'http://ragline.test' },
      context(fetch),
    );
    await expect(target.call({ id: 'q', input: 'hi' }, 'hi')).rejects.toThrow(
      new EndpointError('http://ragline.test/v1/chat/completions answered 502: bad gateway'),
    );
  });
});

describe('server targets: API key', () => {
  it('a named apiKeyEnv that is unset is a suite error naming target.apiKeyEnv', async () => {
    const { fetch, requests } = fakeFetch(() => json(release));
    const failure = resolveTarget({ ...releaseTarget, apiKeyEnv: 'EVAL_KEY' }, context(fetch));
    await expect(failure).rejects.toThrow(SuiteError);
    await expect(failure).rejects.toThrow(
      'suite "s": target.apiKeyEnv: environment variable EVAL_KEY is not set',
    );
    expect(requests).toHaveLength(0);
  });

  it('sends the named key, else RAGLINE_API_KEY, else none', async () => {
    const { fetch, requests } = fakeFetch(() => json(release));
    await resolveTarget({ ...releaseTarget, apiKeyEnv: 'EVAL_KEY' }, context(fetch, { EVAL_KEY: 'k1' }));
    await resolveTarget(releaseTarget, context(fetch, { RAGLINE_API_KEY: 'k2' }));
    await resolveTarget(releaseTarget, context(fetch));
    expect(requests.map((r) => r.headers.get('authorization'))).toEqual(['Bearer k1', 'Bearer k2', null]);
  });
});

describe('promptModelContentHash', () => {
  it('fills in the default topK with a collection, and ignores topK without one', () => {
    const pins = { prompt: 'p', version: 3, model: 'chat' };
    expect(promptModelContentHash({ ...pins, collection: 'c' })).toBe(
      promptModelContentHash({ ...pins, collection: 'c', topK: 8 }),
    );
    expect(promptModelContentHash({ ...pins, collection: 'c' })).not.toBe(
      promptModelContentHash({ ...pins, collection: 'c', topK: 5 }),
    );
    expect(promptModelContentHash({ ...pins, topK: 5 })).toBe(promptModelContentHash(pins));
    expect(promptModelContentHash(pins)).not.toBe(promptModelContentHash({ ...pins, version: 4 }));
    expect(promptModelContentHash(pins)).toMatch(/^[0-9a-f]{16}$/);
  });
});
