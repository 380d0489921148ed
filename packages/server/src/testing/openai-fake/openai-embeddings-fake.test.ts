import { existsSync, readFileSync } from 'node:fs';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIEmbeddingsFake } from './openai-embeddings-fake.js';

const spec = new URL('../../../../../../shared/specs/openai-openapi-subset.json', import.meta.url);
const fake = createOpenAIEmbeddingsFake({ baseURL: 'http://fake.test/v1', dimensions: 4 });
const server = setupServer(...fake.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const post = (body: unknown) =>
  fetch('http://fake.test/v1/embeddings', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('openai embeddings fake', () => {
  it.skipIf(!existsSync(spec))('validates against the same schema as shared/specs', () => {
    const subset = JSON.parse(readFileSync(spec, 'utf8'));
    const { $comment: _comment, ...copy } = JSON.parse(
      readFileSync(new URL('./create-embedding-request.schema.json', import.meta.url), 'utf8'),
    );
    expect(copy).toEqual(subset.components.schemas.CreateEmbeddingRequest);
  });

  it('rejects bodies that break CreateEmbeddingRequest and records them', async () => {
    fake.reset();
    for (const body of [
      { input: ['x'] },
      { model: 'm', input: [] },
      { model: 'm', input: ['x'], extra: 1 },
    ]) {
      const response = await post(body);
      expect(response.status).toBe(400);
    }
    expect(fake.invalidRequests).toHaveLength(3);
  });

  it('answers a valid body in the vLLM shape', async () => {
    fake.reset();
    const response = await post({ model: 'BAAI/bge-m3', input: ['a', 'b c'] });
    const body = await response.json();
    expect(body).toMatchObject({
      object: 'list',
      model: 'BAAI/bge-m3',
      usage: { prompt_tokens: 5, completion_tokens: 0 },
    });
    expect(body.id).toMatch(/^embd-/);
    expect(body.data.map((d: { index: number }) => d.index)).toEqual([0, 1]);
    expect(fake.invalidRequests).toEqual([]);
  });
});
