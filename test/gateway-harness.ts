import type { AddressInfo } from 'node:net';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { serve } from '@hono/node-server';
import { FetchHttpHandler } from '@smithy/fetch-http-handler';
import { setupServer } from 'msw/node';
import OpenAI from 'openai';
import { createApp } from '../packages/server/src/app.js';
import { silentLogger } from '../packages/server/src/ports/logger.js';
import { buildNodeDeps } from '../packages/server/src/runtime/build-node-deps.js';
import { parseConfig } from '../packages/server/src/runtime/config.js';
import { type CreateGatewayOptions, createGateway } from '../packages/server/src/services/gateway/gateway.js';
import type {
  GatewayConfig,
  RouteConfig,
  TargetConfig,
} from '../packages/server/src/services/gateway/gateway-config.js';
import { bootstrapAdminKey } from '../packages/server/src/services/keys/create-api-key.js';
import { createBedrockConverseFake } from '../packages/server/src/testing/bedrock-converse-fake/bedrock-converse-fake.js';
import { createOpenAIChatFake } from '../packages/server/src/testing/openai-chat-fake/openai-chat-fake.js';
import { createTritonFake } from '../packages/server/src/testing/triton-fake/triton-fake.js';
import { ADMIN_KEY, createTestEnv } from './support/test-server.js';

// Captured before msw patches fetch: the openai client talks to our server over a real socket.
const realFetch = globalThis.fetch;

export const REGION = 'us-east-1';
export const BEDROCK_MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';

/** The upstream fakes, all behind one msw server that lets the client's calls to Ragline through. */
export function createUpstreams() {
  const fakes = {
    vllm1: createOpenAIChatFake({ baseURL: 'http://vllm-1.test/v1', flavour: 'vllm' }),
    vllm2: createOpenAIChatFake({ baseURL: 'http://vllm-2.test/v1', flavour: 'vllm' }),
    trtllm: createOpenAIChatFake({ baseURL: 'http://trtllm.test/v1', flavour: 'trtllm' }),
    openai: createOpenAIChatFake({ baseURL: 'http://openai.test/v1', flavour: 'openai' }),
    triton: createTritonFake({ baseUrl: 'http://triton.test:8000', models: { ensemble: {} } }),
    bedrock: createBedrockConverseFake({ region: REGION }),
  };
  const msw = setupServer(
    ...fakes.vllm1.handlers,
    ...fakes.vllm2.handlers,
    ...fakes.trtllm.handlers,
    ...fakes.openai.handlers,
    ...fakes.triton.handlers,
    ...fakes.bedrock.handlers,
  );
  return {
    ...fakes,
    msw,
    reset() {
      fakes.vllm1.reset();
      fakes.vllm2.reset();
      fakes.trtllm.reset();
      fakes.openai.reset();
      fakes.bedrock.reset();
      fakes.triton.requests.length = 0;
    },
  };
}

export const TARGETS: TargetConfig[] = [
  { id: 'vllm-1', kind: 'vllm', model: 'meta-llama/Llama-3.1-8B-Instruct', baseURL: 'http://vllm-1.test/v1' },
  { id: 'vllm-2', kind: 'vllm', model: 'meta-llama/Llama-3.1-8B-Instruct', baseURL: 'http://vllm-2.test/v1' },
  { id: 'trtllm', kind: 'trtllm', model: 'Llama-3.1-8B-Instruct', baseURL: 'http://trtllm.test/v1' },
  { id: 'openai', kind: 'openai-compatible', model: 'gpt-4o-mini', baseURL: 'http://openai.test/v1' },
  { id: 'triton', kind: 'triton', model: 'ensemble', baseURL: 'http://triton.test:8000' },
  { id: 'bedrock', kind: 'bedrock', model: BEDROCK_MODEL, region: REGION },
];

export function gatewayConfig(routes: RouteConfig[], pools: GatewayConfig['pools'] = []): GatewayConfig {
  return { targets: TARGETS, pools, routes };
}

/** The real app on a real socket, with a gateway that each test may replace. */
export async function startGatewayServer() {
  const testEnv = await createTestEnv();
  const deps = await buildNodeDeps(parseConfig(testEnv.env), silentLogger);
  await bootstrapAdminKey(deps, ADMIN_KEY);
  const server = serve({ fetch: createApp(deps).fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((ready, fail) => {
    server.once('listening', ready);
    server.once('error', fail);
  });
  const { port } = server.address() as AddressInfo;
  const baseURL = `http://127.0.0.1:${port}/v1`;
  const bedrockClient = () =>
    new BedrockRuntimeClient({
      region: REGION,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      requestHandler: new FetchHttpHandler(),
      maxAttempts: 1,
    });
  return {
    deps,
    baseURL,
    /** Installs a fresh gateway (fresh circuits) with these routes. */
    useGateway(config: GatewayConfig, options: CreateGatewayOptions = {}) {
      deps.gateway = createGateway(config, { bedrockClient, ...options });
      return deps.gateway;
    },
    client: (options: { maxRetries?: number } = {}) =>
      new OpenAI({ apiKey: ADMIN_KEY, baseURL, fetch: realFetch, maxRetries: options.maxRetries ?? 0 }),
    /** Plain HTTP to the server, bypassing msw. */
    fetch: (path: string, init: RequestInit = {}) =>
      realFetch(`${baseURL}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${ADMIN_KEY}`,
          'content-type': 'application/json',
          ...init.headers,
        },
      }),
    async close() {
      await new Promise<void>((done) => server.close(() => done()));
      await deps.costs?.close();
      await deps.vectors.close?.();
      await deps.metadata.close();
      await testEnv.cleanup();
    },
  };
}

export type GatewayServer = Awaited<ReturnType<typeof startGatewayServer>>;

/** Polls until `check` is true (for effects that land after a response, like upstream aborts). */
export async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
