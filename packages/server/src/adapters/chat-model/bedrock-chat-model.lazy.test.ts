import type { BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createBedrockConverseFake } from '../../testing/bedrock-converse-fake/bedrock-converse-fake.js';
import { createBedrockChatModel } from './bedrock-chat-model.js';

// Watches the real SDK: when its module is first loaded and with what config clients are built.
// The handler is swapped for HTTP/1 only because msw cannot intercept the default HTTP/2.
const sdk = vi.hoisted(() => ({ loads: 0, configs: [] as BedrockRuntimeClientConfig[] }));
vi.mock('@aws-sdk/client-bedrock-runtime', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@aws-sdk/client-bedrock-runtime')>();
  sdk.loads++;
  class WatchedClient extends actual.BedrockRuntimeClient {
    constructor(config: BedrockRuntimeClientConfig) {
      sdk.configs.push(config);
      super({ ...config, requestHandler: new NodeHttpHandler() });
    }
  }
  return { ...actual, BedrockRuntimeClient: WatchedClient };
});

const REGION = 'eu-west-3';
const bedrock = createBedrockConverseFake({ region: REGION });
const server = setupServer(...bedrock.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

it('loads the SDK and builds one client on first use, without SDK retries', async () => {
  const credentials = { accessKeyId: 'AKIDLAZY', secretAccessKey: 'secret' };
  const model = createBedrockChatModel({
    id: 'bedrock-lazy',
    model: 'amazon.nova-lite-v1:0',
    region: REGION,
    credentials,
  });
  expect(model.target).toEqual({ id: 'bedrock-lazy', kind: 'bedrock', model: 'amazon.nova-lite-v1:0' });
  // Long enough for an eager dynamic import to have finished.
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(sdk.loads).toBe(0);
  expect(sdk.configs).toEqual([]);

  const request = { model: 'amazon.nova-lite-v1:0', messages: [{ role: 'user' as const, content: 'hi' }] };
  const { completion } = await model.generate(request, { signal: new AbortController().signal });
  expect(completion.choices[0]?.message.content).toBe('You said: hi');
  expect(sdk.loads).toBe(1);
  expect(sdk.configs).toEqual([{ region: REGION, maxAttempts: 1, credentials }]);
  expect(bedrock.calls[0]?.headers.get('authorization')).toMatch(
    /Credential=AKIDLAZY\/\d{8}\/eu-west-3\/bedrock\//,
  );

  // A throttled call is not retried by the SDK: the gateway decides.
  bedrock.scriptNext({ kind: 'http', status: 429, errorType: 'ThrottlingException' });
  await expect(model.stream(request, { signal: new AbortController().signal })).rejects.toMatchObject({
    details: { kind: 'http', status: 429 },
  });
  expect(bedrock.callCount()).toBe(2);
  expect(sdk.configs).toHaveLength(1);
});
