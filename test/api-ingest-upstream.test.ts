import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIEmbeddingsFake } from '../packages/server/src/testing/openai-fake/openai-embeddings-fake.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

const fake = createOpenAIEmbeddingsFake({ baseURL: 'http://vllm.test/v1', dimensions: 16 });
const upstream = setupServer(...fake.handlers);

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  upstream.listen({ onUnhandledRequest: 'error' });
  server = await createInProcessServer({
    env: {
      RAGLINE_EMBEDDERS: JSON.stringify([
        {
          name: 'vllm',
          kind: 'openai-compatible',
          baseURL: 'http://vllm.test/v1',
          model: 'BAAI/bge-m3',
          batchSize: 2,
        },
      ]),
    },
  });
  api = client(server.fetch, server.baseURL, ADMIN_KEY);
});
afterAll(async () => {
  upstream.close();
  await server?.close();
});

describe('ingestion through a remote embedder', () => {
  it('embeds through the OpenAI-compatible endpoint with valid requests', async () => {
    const created = await api.post('/v1/collections', { name: 'remote', embedder: 'vllm' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ embeddingModel: 'BAAI/bge-m3', dimensions: 16 });
    const res = await api.post('/v1/collections/remote/documents', {
      documents: [{ id: 'a', text: 'Version one of document A, about apples.' }],
    });
    expect(res.status).toBe(200);
    expect(res.json.usage.embeddingTokens).toBeGreaterThan(0);
    expect(fake.invalidRequests).toEqual([]);
    const hits = await api.post('/v1/collections/remote/query', { query: 'apples', mode: 'dense' });
    expect(hits.json.results[0].documentId).toBe('a');
  });

  it('leaves the previous version intact when the embedder fails mid-batch', async () => {
    const before = await api.get('/v1/collections/remote/documents/a');
    upstream.use(
      http.post('http://vllm.test/v1/embeddings', async ({ request }) => {
        const body = (await request.clone().json()) as { input: string[] };
        if (body.input.some((text) => text.includes('BOOM'))) {
          return HttpResponse.json(
            { error: { message: 'CUDA out of memory', type: 'InternalServerError', code: 500 } },
            { status: 500 },
          );
        }
        return undefined;
      }),
    );
    const paragraphs = Array.from({ length: 6 }, (_, i) =>
      `Paragraph ${i} of version two about bananas. `.repeat(40),
    );
    const res = await api.post('/v1/collections/remote/documents', {
      documents: [
        { id: 'a', text: paragraphs.join('\n\n') },
        { id: 'b', text: 'This one explodes: BOOM.' },
      ],
    });
    expect(res.status).toBe(502);
    expect(res.json.error.code).toBe('UPSTREAM_ERROR');
    expect(res.json.error.message).toMatch(/embedder "vllm"/);

    expect((await api.get('/v1/collections/remote/documents/a')).json).toEqual(before.json);
    expect((await api.get('/v1/collections/remote/documents/b')).status).toBe(404);
    const hits = await api.post('/v1/collections/remote/query', {
      query: 'apples bananas',
      mode: 'lexical',
      topK: 50,
    });
    expect(hits.json.results.map((r: { chunkId: string }) => r.chunkId)).toEqual(['a#0']);
    expect(hits.json.results[0].text).toContain('apples');
    upstream.resetHandlers();
  });

  it('answers 409 when the configured model no longer matches the collection', async () => {
    await server.close();
    server = await createInProcessServer({
      env: {
        RAGLINE_EMBEDDERS: JSON.stringify([
          { name: 'vllm', kind: 'openai-compatible', baseURL: 'http://vllm.test/v1', model: 'BAAI/bge-m3' },
        ]),
      },
    });
    api = client(server.fetch, server.baseURL, ADMIN_KEY);
    await api.post('/v1/collections', { name: 'pinned', embedder: 'vllm' });
    // Same data dir, the operator swaps the model behind the embedder name:
    const dataDir = server.dataDir;
    const { buildNodeDeps } = await import('../packages/server/src/runtime/build-node-deps.js');
    const { parseConfig } = await import('../packages/server/src/runtime/config.js');
    const { createApp } = await import('../packages/server/src/app.js');
    const { silentLogger } = await import('../packages/server/src/ports/logger.js');
    const deps = await buildNodeDeps(
      parseConfig({
        RAGLINE_DATA_DIR: dataDir,
        RAGLINE_ALLOW_REMOTE_MODELS: 'false',
        RAGLINE_EMBEDDERS: JSON.stringify([
          {
            name: 'vllm',
            kind: 'openai-compatible',
            baseURL: 'http://vllm.test/v1',
            model: 'intfloat/e5-large',
          },
        ]),
      }),
      silentLogger,
    );
    const app = createApp(deps);
    const swapped = client(
      (input, init) => Promise.resolve(app.fetch(new Request(input, init))),
      server.baseURL,
      ADMIN_KEY,
    );
    const res = await swapped.post('/v1/collections/pinned/documents', {
      documents: [{ id: 'x', text: 'hello' }],
    });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('EMBEDDER_MISMATCH');
    expect(res.json.error.message).toMatch(/BAAI\/bge-m3.*intfloat\/e5-large/);
    await deps.vectors.close?.();
    await deps.metadata.close();
  });
});
