import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

const gatewayYaml = `
targets:
  - id: openai
    kind: openai-compatible
    model: gpt-4o-mini
    baseURL: https://api.openai.com/v1
    apiKey: \${OPENAI_API_KEY}
routes:
  - name: chat
    targets: [{ ref: openai }]
`;

function writeTemp(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ragline-config-')), name);
  writeFileSync(path, text);
  return path;
}

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

  it('has an empty gateway config when RAGLINE_CONFIG is unset', () => {
    expect(parseConfig({}).gateway).toEqual({ targets: [], pools: [], routes: [] });
  });

  it('reads the gateway YAML named by RAGLINE_CONFIG, with secrets from the environment', () => {
    const path = writeTemp('ragline.yaml', gatewayYaml);
    const config = parseConfig({ RAGLINE_CONFIG: path, OPENAI_API_KEY: 'sk-from-env' });
    expect(config.gateway.targets).toEqual([
      {
        id: 'openai',
        kind: 'openai-compatible',
        model: 'gpt-4o-mini',
        baseURL: 'https://api.openai.com/v1',
        apiKey: 'sk-from-env',
      },
    ]);
    expect(config.gateway.routes).toEqual([
      { name: 'chat', strategy: 'single', targets: [{ ref: 'openai' }] },
    ]);
  });

  it('takes the file contents from RAGLINE_CONFIG_YAML or an injected reader (runtimes without a disk)', () => {
    const inline = parseConfig({ RAGLINE_CONFIG_YAML: gatewayYaml, OPENAI_API_KEY: 'k' });
    expect(inline.gateway.routes.map((r) => r.name)).toEqual(['chat']);
    const read: string[] = [];
    const injected = parseConfig(
      { RAGLINE_CONFIG: '/virtual/ragline.yaml', OPENAI_API_KEY: 'k' },
      {
        readFile: (p) => {
          read.push(p);
          return gatewayYaml;
        },
      },
    );
    expect(read).toEqual(['/virtual/ragline.yaml']);
    expect(injected.gateway.targets[0]?.apiKey).toBe('k');
    expect(() => parseConfig({ RAGLINE_CONFIG: '/x.yaml', RAGLINE_CONFIG_YAML: gatewayYaml })).toThrow(
      /RAGLINE_CONFIG: set either/,
    );
  });

  it('names the file and the field when the gateway config is invalid', () => {
    const missing = join(tmpdir(), 'ragline-does-not-exist', 'ragline.yaml');
    expect(() => parseConfig({ RAGLINE_CONFIG: missing })).toThrow(
      `RAGLINE_CONFIG (${missing}): cannot read the file`,
    );
    const path = writeTemp('bad.yaml', gatewayYaml.replace('ref: openai', 'ref: nowhere'));
    let error: unknown;
    try {
      parseConfig({ RAGLINE_CONFIG: path, OPENAI_API_KEY: 'k' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `invalid configuration:\n  RAGLINE_CONFIG (${path}): routes[0].targets[0].ref: unknown target or pool "nowhere"`,
    );
    expect(() => parseConfig({ RAGLINE_CONFIG: writeTemp('s.yaml', gatewayYaml) })).toThrow(
      /targets\[0\]\.apiKey: environment variable "OPENAI_API_KEY" is not set/,
    );
  });
});
