import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

describe('parseConfig', () => {
  it('gives the embedded defaults for an empty environment', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      dataDir: './.ragline',
      adminKey: null,
      databaseUrl: null,
      vectorStore: 'lancedb',
      qdrant: null,
      localEmbedding: { model: 'Xenova/bge-small-en-v1.5', allowRemoteModels: true },
      embedders: [],
      chunking: { maxTokens: 384, overlapTokens: 48 },
    });
  });

  it('reads every setting, treating empty strings as unset', () => {
    const config = parseConfig({
      PORT: '9000',
      HOST: '',
      RAGLINE_ALLOW_REMOTE_MODELS: 'false',
      RAGLINE_VECTOR_STORE: 'qdrant',
      QDRANT_URL: 'http://qdrant:6333',
      RAGLINE_MAX_BATCH_DOCUMENTS: '10',
      RAGLINE_EMBEDDERS:
        '[{"name":"tei","kind":"openai-compatible","baseURL":"http://tei:8080/v1","model":"bge"}]',
    });
    expect(config.port).toBe(9000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.localEmbedding.allowRemoteModels).toBe(false);
    expect(config.qdrant).toEqual({ url: 'http://qdrant:6333', apiKey: null });
    expect(config.limits.maxBatchDocuments).toBe(10);
    expect(config.embedders).toEqual([
      { name: 'tei', kind: 'openai-compatible', baseURL: 'http://tei:8080/v1', model: 'bge' },
    ]);
  });

  it('names each bad variable', () => {
    expect(() => parseConfig({ PORT: 'eighty', RAGLINE_ADMIN_KEY: 'short' })).toThrow(
      /PORT: .*\n.*RAGLINE_ADMIN_KEY: must be at least 16 characters/s,
    );
    expect(() => parseConfig({ RAGLINE_VECTOR_STORE: 'qdrant' })).toThrow(/QDRANT_URL: required/);
    expect(() => parseConfig({ RAGLINE_CHUNK_MAX_TOKENS: '64', RAGLINE_CHUNK_OVERLAP_TOKENS: '64' })).toThrow(
      /RAGLINE_CHUNK_OVERLAP_TOKENS: must be below/,
    );
    expect(() => parseConfig({ RAGLINE_EMBEDDERS: '{not json' })).toThrow(ConfigError);
    expect(() => parseConfig({ RAGLINE_EMBEDDERS: '[{"name":"x","kind":"magic"}]' })).toThrow(
      /RAGLINE_EMBEDDERS\[0/,
    );
    expect(() =>
      parseConfig({ RAGLINE_EMBEDDERS: '[{"name":"local","kind":"transformers","model":"m"}]' }),
    ).toThrow(/duplicate embedder name "local"/);
  });
});
