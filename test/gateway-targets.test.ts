import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RouteConfig } from '../packages/server/src/services/gateway/gateway-config.js';
import { createUpstreams, type GatewayServer, gatewayConfig, startGatewayServer } from './gateway-harness.js';

const upstreams = createUpstreams();
let server: GatewayServer;

const single = (name: string, ref: string): RouteConfig => ({ name, strategy: 'single', targets: [{ ref }] });
const ROUTES = [
  single('llama', 'vllm-1'),
  single('llama-trt', 'trtllm'),
  single('gpt', 'openai'),
  single('llama-triton', 'triton'),
  single('haiku', 'bedrock'),
];

beforeAll(async () => {
  upstreams.msw.listen({ onUnhandledRequest: 'bypass' });
  server = await startGatewayServer();
  server.useGateway(gatewayConfig(ROUTES));
});
afterEach(() => {
  expect(upstreams.vllm1.invalidRequests).toEqual([]);
  expect(upstreams.trtllm.invalidRequests).toEqual([]);
  expect(upstreams.openai.invalidRequests).toEqual([]);
  expect(upstreams.bedrock.rejected).toEqual([]);
  upstreams.reset();
});
afterAll(async () => {
  upstreams.msw.close();
  await server?.close();
});

const question = [{ role: 'user' as const, content: 'why is the sky blue' }];

async function collect(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  let text = '';
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    text += chunk.choices[0]?.delta.content ?? '';
  }
  return { text, chunks };
}

describe('the OpenAI front door through the official client, to every target kind', () => {
  it.each([
    ['llama', 'vllm-1', 'You asked: why is the sky blue'],
    ['llama-trt', 'trtllm', 'You asked: why is the sky blue'],
    ['gpt', 'openai', 'You asked: why is the sky blue'],
    ['haiku', 'bedrock', 'You said: why is the sky blue'],
  ])('%s (%s): non-streaming and streaming give the same answer', async (model, target, expected) => {
    const client = server.client();
    const { data, response } = await client.chat.completions
      .create({ model, messages: question, max_tokens: 64 })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content).toBe(expected);
    expect(response.headers.get('x-ragline-target')).toBe(target);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(Number(response.headers.get('x-ragline-overhead-ms'))).toBeGreaterThanOrEqual(0);

    const { data: stream, response: streamed } = await client.chat.completions
      .create({ model, messages: question, max_tokens: 64, stream: true })
      .withResponse();
    expect(streamed.headers.get('x-ragline-target')).toBe(target);
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { text, chunks } = await collect(stream);
    expect(text).toBe(expected);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    // The client did not ask for usage: no usage chunk.
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });

  it('llama-triton (triton): non-streaming and streaming give the same answer', async () => {
    const client = server.client();
    const completion = await client.chat.completions.create({
      model: 'llama-triton',
      messages: question,
      max_tokens: 8,
    });
    const answer = completion.choices[0]?.message.content ?? '';
    expect(answer.length).toBeGreaterThan(0);
    const { text } = await collect(
      await client.chat.completions.create({
        model: 'llama-triton',
        messages: question,
        max_tokens: 8,
        stream: true,
      }),
    );
    expect(text).toBe(answer);
    expect(upstreams.triton.requests.map((r) => r.stream)).toEqual([false, true]);
  });

  it('streams upstream chunks through verbatim', async () => {
    const response = await server.fetch('/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'llama', messages: question, stream: true }),
    });
    const text = await response.text();
    const frames = text.split('\n\n').filter(Boolean);
    expect(frames.at(-1)).toBe('data: [DONE]');
    const first = JSON.parse((frames[0] as string).slice('data: '.length));
    expect(first).toMatchObject({
      object: 'chat.completion.chunk',
      model: 'meta-llama/Llama-3.1-8B-Instruct',
    });
    expect(first.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
  });

  it.each([
    ['llama', 'vllm-1'],
    ['gpt', 'openai'],
    ['haiku', 'bedrock'],
  ])('%s: forwards the usage chunk only when the client asks, but always asks upstream', async (model) => {
    const client = server.client();
    const withUsage = await collect(
      await client.chat.completions.create({
        model,
        messages: question,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const usage = withUsage.chunks.at(-1)?.usage;
    expect(usage?.prompt_tokens).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));

    const without = await collect(
      await client.chat.completions.create({ model, messages: question, stream: true }),
    );
    expect(without.chunks.some((chunk) => chunk.usage)).toBe(false);
    if (model === 'llama') {
      expect(upstreams.vllm1.requests.map((r) => r.body.stream_options)).toEqual([
        { include_usage: true },
        { include_usage: true },
      ]);
    }
  });

  it('passes vLLM sampling extras to vLLM and strips what trtllm-serve or OpenAI would reject', async () => {
    const client = server.client();
    const extras = {
      top_k: 20,
      min_p: 0.05,
      repetition_penalty: 1.1,
      structured_outputs: { choice: ['a', 'b'] },
    };
    for (const model of ['llama', 'llama-trt', 'gpt']) {
      const stream = await client.chat.completions.create({
        model,
        messages: question,
        stream: true,
        ...extras,
      } as OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming);
      expect((await collect(stream)).text).toBe('You asked: why is the sky blue');
    }
    expect(upstreams.vllm1.requests[0]?.body).toMatchObject({
      ...extras,
      model: 'meta-llama/Llama-3.1-8B-Instruct',
    });
    // trtllm-serve keeps the sampling extras it knows and loses the rest (its fake answers 400 otherwise).
    expect(upstreams.trtllm.requests[0]?.body).toMatchObject({ top_k: 20, min_p: 0.05 });
    expect(upstreams.trtllm.requests[0]?.body).not.toHaveProperty('structured_outputs');
    expect(upstreams.openai.requests[0]?.body).not.toHaveProperty('top_k');
  });

  it('answers an unknown model with a 404 the client raises, naming the model', async () => {
    const client = server.client();
    const error = await client.chat.completions
      .create({ model: 'nope', messages: question })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).message).toMatch(
      /The model `nope` does not exist/,
    );
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('rejects a malformed body with a 400 naming the field', async () => {
    const response = await server.fetch('/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'llama', messages: [{ role: 'wizard', content: 'hi' }] }),
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.code).toBe('INVALID_REQUEST');
    expect(body.error.message).toMatch(/^messages\[0\]\.role/);
  });

  it('needs an API key', async () => {
    const response = await server.fetch('/chat/completions', {
      method: 'POST',
      headers: { authorization: '' },
      body: JSON.stringify({ model: 'llama', messages: question }),
    });
    expect(response.status).toBe(401);
  });

  it('lists the routes as models', async () => {
    const client = server.client();
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(ROUTES.map((r) => r.name));
  });

  it('serves embeddings from the configured embedders, float and base64', async () => {
    const client = server.client();
    // The official client asks for base64 by default and decodes it.
    const decoded = await client.embeddings.create({ model: 'local', input: ['apples', 'pears'] });
    expect(decoded.data).toHaveLength(2);
    expect(decoded.data[0]?.embedding).toHaveLength(32);
    expect(decoded.usage.prompt_tokens).toBeGreaterThan(0);
    const floats = await client.embeddings.create({
      model: 'local',
      input: 'apples',
      encoding_format: 'float',
    });
    const a = floats.data[0]?.embedding ?? [];
    const b = decoded.data[0]?.embedding ?? [];
    expect(a.length).toBe(32);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i] as number, 5);
    const missing = await client.embeddings.create({ model: 'nope', input: 'x' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
