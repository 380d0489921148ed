import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbedderUnavailableError } from '../../ports/embedder.js';
import { writeTinyEmbeddingModel } from '../../testing/tiny-embedding-model.js';
import { createEmbedder, DEFAULT_TRANSFORMERS_MODEL } from './create-embedder.js';

let cacheDir: string;
beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'ragline-create-embedder-'));
  await writeTinyEmbeddingModel(join(cacheDir, 'test-org/tiny'), { dimensions: 20 });
});
afterAll(() => rm(cacheDir, { recursive: true, force: true }));

describe('createEmbedder', () => {
  it('builds a transformers embedder that loads from deps.cacheDir', async () => {
    const embedder = createEmbedder(
      { kind: 'transformers', name: 'local', model: 'test-org/tiny', allowRemoteModels: false },
      { cacheDir },
    );
    expect(embedder).toMatchObject({ name: 'local', kind: 'transformers', model: 'test-org/tiny' });
    expect(await embedder.dimensions()).toBe(20);
  });

  it('defaults the transformers model and reports it missing offline', async () => {
    const embedder = createEmbedder(
      { kind: 'transformers', name: 'local', allowRemoteModels: false },
      { cacheDir },
    );
    expect(embedder.model).toBe(DEFAULT_TRANSFORMERS_MODEL);
    const error = await embedder.dimensions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbedderUnavailableError);
    expect((error as Error).message).toContain(join(cacheDir, DEFAULT_TRANSFORMERS_MODEL));
  });

  it('builds an openai-compatible embedder that uses deps.fetch', async () => {
    const urls: string[] = [];
    const embedder = createEmbedder(
      { kind: 'openai-compatible', name: 'gpu', baseURL: 'http://vllm.test/v1/', model: 'm', maxRetries: 0 },
      {
        cacheDir,
        fetch: async (input) => {
          urls.push(String(input));
          return Response.json({
            object: 'list',
            model: 'm',
            data: [{ index: 0, object: 'embedding', embedding: [0.6, 0.8] }],
            usage: { prompt_tokens: 3, total_tokens: 3 },
          });
        },
      },
    );
    expect(embedder.kind).toBe('openai-compatible');
    expect(await embedder.embed(['hi'])).toEqual({
      vectors: [[0.6, 0.8]],
      usage: { inputTokens: 3 },
      model: 'm',
      dimensions: 2,
    });
    expect(urls).toEqual(['http://vllm.test/v1/embeddings']);
  });

  it('builds a bedrock embedder (its size is known without a call)', async () => {
    const embedder = createEmbedder(
      {
        kind: 'bedrock',
        name: 'aws',
        model: 'cohere.embed-multilingual-v3',
        region: 'eu-west-1',
      },
      { cacheDir },
    );
    expect(embedder).toMatchObject({ name: 'aws', kind: 'bedrock', model: 'cohere.embed-multilingual-v3' });
    expect(await embedder.dimensions()).toBe(1024);
  });
});
