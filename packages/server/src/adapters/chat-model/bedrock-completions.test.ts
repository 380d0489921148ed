import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { FetchHttpHandler } from '@smithy/fetch-http-handler';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../core/api-error.js';
import type { CompletionStreamPart } from '../../ports/chat-model.js';
import { createBedrockConverseFake } from '../../testing/bedrock-converse-fake/bedrock-converse-fake.js';
import { createBedrockChatModel } from './bedrock-chat-model.js';

const REGION = 'us-west-2';
const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const bedrock = createBedrockConverseFake({ region: REGION });
const server = setupServer(...bedrock.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  expect(bedrock.rejected).toEqual([]);
  bedrock.reset();
});
afterAll(() => server.close());

const modelWith = (requestHandler: NodeHttpHandler | FetchHttpHandler = new NodeHttpHandler()) =>
  createBedrockChatModel({
    id: 'bedrock-haiku',
    model: MODEL,
    region: REGION,
    client: new BedrockRuntimeClient({
      region: REGION,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      requestHandler,
      maxAttempts: 1,
    }),
  });
const signal = () => new AbortController().signal;

describe('Bedrock legacy completions (through Converse)', () => {
  it('sends the prompt as the one user message with the mapped sampling fields', async () => {
    const { completion, usage } = await modelWith().complete(
      {
        model: MODEL,
        prompt: 'Why is the sky blue?',
        max_tokens: 50,
        temperature: 0.3,
        stop: '\n\n',
        seed: 7,
      },
      { signal: signal() },
    );
    expect(bedrock.calls[0]?.body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Why is the sky blue?' }] }],
      inferenceConfig: { maxTokens: 50, temperature: 0.3, stopSequences: ['\n\n'] },
    });
    expect(completion).toEqual({
      id: expect.stringMatching(/^cmpl-[0-9a-f]{32}$/),
      object: 'text_completion',
      created: expect.any(Number),
      model: MODEL,
      choices: [{ index: 0, text: 'You said: Why is the sky blue?', logprobs: null, finish_reason: 'stop' }],
      usage: expect.objectContaining({ prompt_tokens: 6, completion_tokens: 7, total_tokens: 13 }),
    });
    expect(usage).toMatchObject({ inputTokens: 6, outputTokens: 7 });
  });

  it('streams text_completion chunks through ConverseStream, the finish reason last, then usage', async () => {
    const parts: CompletionStreamPart[] = [];
    for await (const part of await modelWith().streamCompletion(
      { model: MODEL, prompt: 'one two three', max_tokens: 3, stream: true },
      { signal: signal() },
    )) {
      parts.push(part);
    }
    const choices = parts.flatMap((p) => (p.type === 'chunk' ? p.chunk.choices : []));
    expect(choices.map((c) => c.text).join('')).toBe('You said: one ');
    expect(choices.at(-1)).toEqual({ index: 0, text: '', logprobs: null, finish_reason: 'length' });
    expect(parts.at(-1)).toMatchObject({ type: 'usage', usage: { outputTokens: 3 } });
    expect(bedrock.calls[0]?.stream).toBe(true);
  });

  it.each([
    [{ prompt: '   ' }, /^prompt: .*not blank/],
    [{ prompt: [1, 2] }, /^prompt: .*not token ids/],
    [{ prompt: 'hi', echo: true }, /^echo: /],
    [{ prompt: 'hi', n: 3 }, /^n: /],
  ])('refuses %j before calling Bedrock', async (overrides, message) => {
    const error = await modelWith()
      .complete({ model: MODEL, ...overrides }, { signal: signal() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toMatch(message);
    expect(bedrock.calls).toHaveLength(0);
  });

  // With the fetch handler: msw's HTTP/1 interceptor sends the headers only with the first body bytes,
  // so it cannot show the difference (against a real HTTP/1 server the middleware fires on the headers).
  it('calls onResponse when the headers arrive, before a slow body', async () => {
    bedrock.scriptNext({ kind: 'answer', bodyDelayMs: 250 });
    const started = performance.now();
    let headersAt: number | undefined;
    const { completion } = await modelWith(new FetchHttpHandler()).complete(
      { model: MODEL, prompt: 'hello' },
      { signal: signal(), onResponse: () => (headersAt = performance.now() - started) },
    );
    expect(completion.choices[0]?.text).toBe('You said: hello');
    expect(headersAt).toBeLessThan(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });
});
