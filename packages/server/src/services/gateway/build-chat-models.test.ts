import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBedrockConverseFake } from '../../testing/bedrock-converse-fake/bedrock-converse-fake.js';
import { createOpenAIChatFake } from '../../testing/openai-chat-fake/openai-chat-fake.js';
import { createTritonFake } from '../../testing/triton-fake/triton-fake.js';
import { buildChatModels } from './build-chat-models.js';
import { loadGatewayConfig } from './config-load.js';

// The SDK's default handler is HTTP/2, which msw cannot intercept: the same HTTP/1 swap as the
// adapter's own lazy-loading test, recording each client config the gateway builds.
const sdk = vi.hoisted(() => ({ configs: [] as BedrockRuntimeClientConfig[] }));
vi.mock('@aws-sdk/client-bedrock-runtime', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@aws-sdk/client-bedrock-runtime')>();
  class WatchedClient extends actual.BedrockRuntimeClient {
    constructor(config: BedrockRuntimeClientConfig) {
      sdk.configs.push(config);
      super({ ...config, requestHandler: new NodeHttpHandler() });
    }
  }
  return { ...actual, BedrockRuntimeClient: WatchedClient };
});

const triton = createTritonFake({
  baseUrl: 'http://triton.build.test:8000',
  models: { ensemble: { versions: ['1', '2'] } },
});
const cloud = createOpenAIChatFake({ baseURL: 'http://cloud.build.test/v1', flavour: 'openai' });
const bedrock = createBedrockConverseFake({ region: 'eu-west-3' });
const VPC_ENDPOINT = 'https://vpce-0a1b.bedrock-runtime.eu-west-3.vpce.amazonaws.com';
const bedrockVpc = createBedrockConverseFake({ region: 'eu-west-3', endpoint: VPC_ENDPOINT });
const server = setupServer(
  ...triton.handlers,
  ...cloud.handlers,
  ...bedrock.handlers,
  ...bedrockVpc.handlers,
);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  triton.requests.length = 0;
  cloud.reset();
  bedrock.reset();
  bedrockVpc.reset();
  sdk.configs.length = 0;
});
afterAll(() => server.close());

/** Only options from the YAML, as a user writes them, reach the adapters. */
const YAML = `
targets:
  - id: triton
    kind: triton
    model: ensemble
    baseURL: http://triton.build.test:8000
    modelVersion: 1
    defaultMaxTokens: 77
    excludeInputInOutput: false
    inputs: { end_id: 2, pad_id: 2 }
    promptTemplate:
      roles: { user: "[INST] " }
      separator: " [/INST]\\n"
      generationPrompt: ""
  - id: cloud
    kind: openai-compatible
    model: gpt-4o-mini
    baseURL: http://cloud.build.test/v1
    streamUsage: false
  - id: claude
    kind: bedrock
    model: anthropic.claude-3-haiku-20240307-v1:0
    region: eu-west-3
    credentials: { accessKeyId: "\${KEY_ID}", secretAccessKey: "\${SECRET}" }
  - id: claude-vpc
    kind: bedrock
    model: anthropic.claude-3-haiku-20240307-v1:0
    region: eu-west-3
    endpoint: ${VPC_ENDPOINT}
    credentials: { accessKeyId: "\${KEY_ID}", secretAccessKey: "\${SECRET}" }
  - id: claude-profile
    kind: bedrock
    model: anthropic.claude-3-haiku-20240307-v1:0
    region: eu-west-3
    profile: team-a
`;
const models = buildChatModels(
  loadGatewayConfig(YAML, { env: { KEY_ID: 'AKIDFROMYAML', SECRET: 'not-a-real-secret' } }).targets,
);
const signal = () => new AbortController().signal;
const question = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'hi' }] });

describe('buildChatModels', () => {
  it('passes Triton options: model version, default max tokens, inputs and prompt template', async () => {
    await models.get('triton')?.generate(question('ensemble'), { signal: signal() });
    const [request] = triton.requests;
    expect(request?.version).toBe('1');
    expect(request?.body).toMatchObject({
      text_input: '[INST] hi [/INST]\n',
      max_tokens: 77,
      end_id: 2,
      pad_id: 2,
    });
    expect(request?.body).not.toHaveProperty('exclude_input_in_output');
  });

  it('leaves out stream_options for an openai-compatible target with streamUsage: false', async () => {
    const parts = await models.get('cloud')?.stream(question('gpt-4o-mini'), {
      signal: signal(),
      includeUsage: true,
    });
    for await (const _ of parts ?? []);
    expect(cloud.requests[0]?.stream).toBe(true);
    expect(cloud.requests[0]?.body).not.toHaveProperty('stream_options');
  });

  it('signs Bedrock calls with the configured credentials', async () => {
    const result = await models.get('claude')?.generate(question('claude'), { signal: signal() });
    expect(result?.completion.choices[0]?.message.content).toBe('You said: hi');
    expect(sdk.configs[0]?.credentials).toMatchObject({
      accessKeyId: 'AKIDFROMYAML',
      secretAccessKey: 'not-a-real-secret',
    });
    expect(bedrock.calls[0]?.headers.get('authorization')).toMatch(
      /Credential=AKIDFROMYAML\/\d{8}\/eu-west-3\//,
    );
  });

  it('sends Bedrock calls to an endpoint override, and passes a named profile to the SDK', async () => {
    const result = await models.get('claude-vpc')?.generate(question('claude'), { signal: signal() });
    expect(result?.completion.choices[0]?.message.content).toBe('You said: hi');
    expect(bedrockVpc.calls).toHaveLength(1);
    expect(bedrock.calls).toHaveLength(0);
    expect(sdk.configs[0]?.endpoint).toBe(VPC_ENDPOINT);
  });

  it('signs Bedrock calls with the keys of a named profile from the shared credentials file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragline-aws-'));
    const saved = { creds: process.env.AWS_SHARED_CREDENTIALS_FILE, config: process.env.AWS_CONFIG_FILE };
    writeFileSync(
      join(dir, 'credentials'),
      '[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = x\n' +
        '[team-a]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = y\n',
    );
    writeFileSync(join(dir, 'config'), '');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    try {
      await models.get('claude-profile')?.generate(question('claude'), { signal: signal() });
      expect(sdk.configs[0]?.profile).toBe('team-a');
      expect(bedrock.calls[0]?.headers.get('authorization')).toMatch(/Credential=AKIDFROMPROFILE\//);
    } finally {
      restoreEnv('AWS_SHARED_CREDENTIALS_FILE', saved.creds);
      restoreEnv('AWS_CONFIG_FILE', saved.config);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function restoreEnv(name: string, value: string | undefined) {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
