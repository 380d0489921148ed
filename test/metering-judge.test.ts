import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageRecord } from '../packages/server/src/ports/cost-repositories.js';
import { createGateway } from '../packages/server/src/services/gateway/gateway.js';
import { createOpenAIChatFake } from '../packages/server/src/testing/openai-chat-fake/openai-chat-fake.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

// The judge model's upstream is faked by msw; the server (app, stores, ledger) is the real one.
const upstream = createOpenAIChatFake({ baseURL: 'http://judge-upstream.test/v1', flavour: 'openai' });
const msw = setupServer(...upstream.handlers);
let server: Awaited<ReturnType<typeof createInProcessServer>>;

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'error' });
  server = await createInProcessServer();
  server.deps.gateway = createGateway({
    targets: [
      {
        id: 'judge-openai',
        kind: 'openai-compatible',
        model: 'gpt-4o-mini',
        baseURL: 'http://judge-upstream.test/v1',
      },
    ],
    pools: [],
    routes: [{ name: 'judge-route', strategy: 'single', targets: [{ ref: 'judge-openai' }] }],
  });
});
afterAll(async () => {
  msw.close();
  await server.close();
});

async function ledger(): Promise<UsageRecord[]> {
  await server.deps.costs?.ledger.flush();
  return server.deps.metadata.ledger.list({
    tenantId: 'default',
    fromMs: 0,
    toMs: Date.now() + 60_000,
    limit: 1000,
  });
}

const chat = (content: string) => ({ model: 'judge-route', messages: [{ role: 'user', content }] });

describe('x-ragline-usage-kind on POST /v1/chat/completions', () => {
  const api = () => client(server.fetch, server.baseURL, ADMIN_KEY);

  it('meters a call marked `judge` with kind judge, and an unmarked call with kind chat', async () => {
    const judged = await api().post('/v1/chat/completions', chat('judge this'), {
      'x-ragline-usage-kind': 'judge',
    });
    expect(judged.status).toBe(200);
    expect(judged.json.choices[0].message.content).toBe('You asked: judge this');
    const plain = await api().post('/v1/chat/completions', chat('plain question'));
    expect(plain.status).toBe(200);

    const records = await ledger();
    const byRequest = (response: { headers: Headers }) =>
      records.find((record) => record.requestId === response.headers.get('x-request-id'));
    expect(byRequest(judged)).toMatchObject({ kind: 'judge', route: 'judge-route', outcome: 'ok' });
    expect(byRequest(plain)).toMatchObject({ kind: 'chat', route: 'judge-route', outcome: 'ok' });
  });

  it('refuses any other value with 400 naming the header, before calling the model', async () => {
    const before = upstream.requests.length;
    const refused = await api().post('/v1/chat/completions', chat('x'), { 'x-ragline-usage-kind': 'chat' });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toContain('x-ragline-usage-kind');
    expect(refused.json.error.message).toContain('"chat"');
    expect(upstream.requests.length).toBe(before);
  });
});
