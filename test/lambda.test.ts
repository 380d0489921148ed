import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaApp } from '../packages/server/src/runtime/lambda.js';
import { createOpenAIChatFake } from '../packages/server/src/testing/openai-chat-fake/openai-chat-fake.js';

// The Lambda entry invoked the way API Gateway's HTTP API does (payload format 2.0), on the embedded
// stores in a temp dir; only the model upstream is faked.
const upstream = createOpenAIChatFake({ baseURL: 'http://vllm-lambda.test/v1', flavour: 'vllm' });
const msw = setupServer(...upstream.handlers);
const ADMIN = 'rk_lambda_admin_key_0123456789';
const CONFIG = `
targets:
  - { id: vllm-1, kind: vllm, model: meta-llama/Llama-3.1-8B-Instruct, baseURL: http://vllm-lambda.test/v1 }
routes:
  - { name: llama, targets: [{ ref: vllm-1 }] }
prices:
  - { target: vllm-1, input: "1.00", output: "3.00" }
`;

let dataDir: string;
let lambda: ReturnType<typeof createLambdaApp>;
let handler: ReturnType<typeof handle>;

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'bypass' });
  dataDir = await mkdtemp(join(tmpdir(), 'ragline-lambda-'));
  lambda = createLambdaApp({
    RAGLINE_DATA_DIR: dataDir,
    RAGLINE_ADMIN_KEY: ADMIN,
    RAGLINE_CONFIG_YAML: CONFIG,
    RAGLINE_LOG_LEVEL: 'error',
  });
  handler = handle(lambda.app);
});

afterAll(async () => {
  msw.close();
  const deps = await lambda.deps();
  await deps.costs?.close();
  await deps.vectors.close?.();
  await deps.metadata.close();
  await rm(dataDir, { recursive: true, force: true });
});

function event(method: string, path: string, body?: unknown): LambdaEvent {
  const payload = {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {
      host: 'abc.execute-api.eu-west-1.amazonaws.com',
      authorization: `Bearer ${ADMIN}`,
      'content-type': 'application/json',
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      domainName: 'abc.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'vitest' },
      requestId: 'lambda-req',
      routeKey: '$default',
      stage: '$default',
      time: '26/Nov/2026:00:00:00 +0000',
      timeEpoch: Date.now(),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
  };
  return payload as unknown as LambdaEvent;
}

describe('AWS Lambda entry', () => {
  it('answers health and authenticated API calls', async () => {
    const health = await handler(event('GET', '/health'));
    expect(health.statusCode).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
    const models = await handler(event('GET', '/v1/models'));
    expect(models.statusCode).toBe(200);
    expect(JSON.parse(models.body).data.map((m: { id: string }) => m.id)).toEqual(['llama']);
  });

  it('routes a chat call and has its usage record written before the response ends', async () => {
    const response = await handler(
      event('POST', '/v1/chat/completions', {
        model: 'llama',
        messages: [{ role: 'user', content: 'hi there' }],
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).choices[0].message.content).toContain('You asked: hi there');
    const headers = 'headers' in response ? response.headers : {};
    const cost = Number(headers?.['x-ragline-cost-micros']);
    expect(cost).toBeGreaterThan(0);
    // No flush here: on Lambda the record must already be stored when the handler returns.
    const deps = await lambda.deps();
    const records = await deps.metadata.ledger.list({
      tenantId: 'default',
      fromMs: 0,
      toMs: Date.now() + 1000,
      limit: 10,
    });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ route: 'llama', target: 'vllm-1', costMicros: cost, priceVersion: 1 });
  });

  it('answers 503 in the API envelope when the configuration is wrong', async () => {
    const broken = handle(createLambdaApp({ RAGLINE_DATA_DIR: dataDir, RAGLINE_VECTOR_STORE: 'qdrant' }).app);
    const response = await broken(event('GET', '/health'));
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body).error.message).toMatch(/could not start: [\s\S]*QDRANT_URL/);
  });
});
