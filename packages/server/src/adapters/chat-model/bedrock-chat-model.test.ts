import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { FetchHttpHandler } from '@smithy/fetch-http-handler';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../core/api-error.js';
import { runChatModelContract } from '../../ports/chat-model.contract.js';
import {
  type ChatModel,
  type ChatRequest,
  type ChatStreamPart,
  UpstreamError,
  type UpstreamFailureKind,
} from '../../ports/chat-model.js';
import {
  type BedrockStreamExceptionType,
  createBedrockConverseFake,
} from '../../testing/bedrock-converse-fake/bedrock-converse-fake.js';
import { createBedrockChatModel } from './bedrock-chat-model.js';

const REGION = 'us-east-1';
const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const bedrock = createBedrockConverseFake({ region: REGION });
const server = setupServer(...bedrock.handlers);

let rejectionsExpected = false;
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  // Bedrock would have refused these requests.
  if (!rejectionsExpected) expect(bedrock.rejected).toEqual([]);
  rejectionsExpected = false;
  bedrock.reset();
});
afterAll(() => server.close());

// The SDK defaults to HTTP/2 in Node, which msw cannot intercept. The fetch handler is the one whose
// aborts and body cancels msw can observe, so the contract suite (which checks that aborts reach the
// upstream) uses it; the other tests use HTTP/1, the documented choice.
const clientWith = (requestHandler: NodeHttpHandler | FetchHttpHandler) =>
  new BedrockRuntimeClient({
    region: REGION,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    requestHandler,
    maxAttempts: 1,
  });
const modelWith = (requestHandler: NodeHttpHandler | FetchHttpHandler = new NodeHttpHandler()) =>
  createBedrockChatModel({
    id: 'bedrock-haiku',
    model: MODEL,
    region: REGION,
    client: clientWith(requestHandler),
  });

const ERROR_TYPE_BY_STATUS: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

runChatModelContract('bedrock (Converse fake)', async () => ({
  model: modelWith(new FetchHttpHandler()),
  reportsUsage: true,
  faults: {
    failNext(status, options) {
      bedrock.scriptNext({
        kind: 'http',
        status,
        errorType: ERROR_TYPE_BY_STATUS[status] ?? 'InternalServerException',
        ...(options?.retryAfterSeconds !== undefined && {
          headers: { 'retry-after': String(options.retryAfterSeconds) },
        }),
      });
    },
    refuseNext: () => bedrock.scriptNext({ kind: 'connection' }),
    hangNext: () => bedrock.scriptNext({ kind: 'hang' }),
    stallNextStreamAfter: (chunks) => bedrock.scriptNext({ kind: 'stall', afterDeltas: chunks }),
    cutNextStreamAfter: (chunks) => bedrock.scriptNext({ kind: 'cut', afterDeltas: chunks }),
    errorFrameNextStreamAfter: (chunks) =>
      bedrock.scriptNext({
        kind: 'stream-exception',
        afterDeltas: chunks,
        exceptionType: 'throttlingException',
      }),
  },
  upstreamAborts: bedrock.abortCount,
}));

const options = (signal = new AbortController().signal) => ({ signal });
const ask = (text: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: MODEL,
  messages: [{ role: 'user', content: text }],
  ...extra,
});

async function collect(iterable: AsyncIterable<ChatStreamPart>, seen: ChatStreamPart[] = []) {
  for await (const part of iterable) seen.push(part);
  return seen;
}
const contentOf = (parts: ChatStreamPart[]) =>
  parts.map((p) => (p.type === 'chunk' ? (p.chunk.choices[0]?.delta.content ?? '') : '')).join('');

async function upstreamError(promise: Promise<unknown>, kind: UpstreamFailureKind): Promise<UpstreamError> {
  const error = await promise.then(
    () => expect.fail('expected a failure'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  expect((error as UpstreamError).details).toMatchObject({ kind, target: 'bedrock-haiku' });
  return error as UpstreamError;
}

describe('createBedrockChatModel request mapping', () => {
  it('sends system and developer messages as system blocks and merges consecutive turns', async () => {
    const model = modelWith();
    expect(model.target).toEqual({ id: 'bedrock-haiku', kind: 'bedrock', model: MODEL });
    await model.generate(
      {
        model: MODEL,
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'Hello.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in English.' }] },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is ' },
              { type: 'text', text: 'RAG?' },
            ],
          },
          { role: 'assistant', content: 'Retrieval-augmented generation.' },
          { role: 'assistant', content: '' },
          { role: 'assistant', content: 'Anything else?' },
          { role: 'user', content: '   ' },
          { role: 'user', content: 'No, thanks.' },
        ],
        max_tokens: 100,
        max_completion_tokens: 64,
        temperature: 0.2,
        top_p: 0.9,
        stop: 'END',
        seed: 7,
        user: 'u-1',
        top_k: 40,
        stream_options: { include_usage: true },
      },
      options(),
    );
    const [call] = bedrock.calls;
    expect(call?.modelId).toBe(MODEL);
    expect(call?.stream).toBe(false);
    expect(call?.headers.get('authorization')).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\//);
    expect(call?.body).toEqual({
      system: [{ text: 'You are terse.' }, { text: 'Answer in English.' }],
      messages: [
        { role: 'user', content: [{ text: 'Hello.' }, { text: 'What is ' }, { text: 'RAG?' }] },
        {
          role: 'assistant',
          content: [{ text: 'Retrieval-augmented generation.' }, { text: 'Anything else?' }],
        },
        { role: 'user', content: [{ text: 'No, thanks.' }] },
      ],
      inferenceConfig: { maxTokens: 64, temperature: 0.2, topP: 0.9, stopSequences: ['END'] },
    });
  });

  it('sends the same input to ConverseStream, with max_tokens and a list of stops', async () => {
    await collect(
      await modelWith().stream(ask('hi', { max_tokens: 10, stop: ['a', 'b'], temperature: null }), options()),
    );
    expect(bedrock.calls[0]?.stream).toBe(true);
    expect(bedrock.calls[0]?.body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'hi' }] }],
      inferenceConfig: { maxTokens: 10, stopSequences: ['a', 'b'] },
    });
  });

  it('rejects what Bedrock targets cannot honour, without calling Bedrock', async () => {
    const model = modelWith();
    const cases: [ChatRequest, RegExp][] = [
      [ask('hi', { n: 2 }), /^n:/],
      [ask('hi', { tools: [{ type: 'function', function: { name: 'f' } }] }), /^tools:/],
      [
        {
          model: MODEL,
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: null, tool_calls: [{ id: 'c1' }] },
          ],
        },
        /^messages\[1\]: tool calls/,
      ],
      [
        { model: MODEL, messages: [{ role: 'tool', content: '42', tool_call_id: 'c1' }] },
        /^messages\[0\]: tool/,
      ],
      [
        {
          model: MODEL,
          messages: [
            { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
          ],
        },
        /^messages\[0\]\.content\[0\]: only text content parts/,
      ],
      [
        { model: MODEL, messages: [{ role: 'system', content: 'only a system prompt' }] },
        /^messages: at least one/,
      ],
    ];
    for (const [request, message] of cases) {
      for (const call of [model.generate(request, options()), model.stream(request, options())]) {
        const error = await call.then(
          () => expect.fail('expected a rejection'),
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ApiError);
        expect((error as ApiError).code).toBe('INVALID_REQUEST');
        expect((error as ApiError).message).toMatch(message);
      }
    }
    expect(bedrock.callCount()).toBe(0);
  });
});

describe('createBedrockChatModel responses', () => {
  it('answers a chat.completion for the target model, with usage', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { completion, usage } = await modelWith().generate(ask('hello there'), options());
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: MODEL,
      choices: [
        { index: 0, message: { role: 'assistant', content: 'You said: hello there' }, finish_reason: 'stop' },
      ],
    });
    expect(completion.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(completion.created).toBeGreaterThanOrEqual(before);
    // The fake counts words + 1 per message: 3 in, and one token per word out.
    expect(usage).toEqual({ inputTokens: 3, outputTokens: 4, cachedInputTokens: 0, reasoningTokens: 0 });
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  it('streams a role chunk, content deltas, a finish chunk, then the usage', async () => {
    const parts = await collect(await modelWith().stream(ask('hello there'), options()));
    const chunks = parts.flatMap((p) => (p.type === 'chunk' ? [p.chunk] : []));
    expect(chunks.map((c) => c.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'You ' },
      { content: 'said: ' },
      { content: 'hello ' },
      { content: 'there' },
      {},
    ]);
    expect(chunks.map((c) => c.choices[0]?.finish_reason)).toEqual([null, null, null, null, null, 'stop']);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.model === MODEL && c.object === 'chat.completion.chunk')).toBe(true);
    expect(parts.at(-1)).toEqual({
      type: 'usage',
      usage: { inputTokens: 3, outputTokens: 4, cachedInputTokens: 0, reasoningTokens: 0 },
    });
    expect(parts.filter((p) => p.type === 'usage')).toHaveLength(1);
  });

  const STOP_REASONS: [string, string][] = [
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['content_filtered', 'content_filter'],
    ['guardrail_intervened', 'content_filter'],
    ['tool_use', 'tool_calls'],
  ];
  it.each(STOP_REASONS)('maps stopReason %s to finish_reason %s', async (stopReason, finishReason) => {
    const model = modelWith();
    bedrock.scriptNext(
      { kind: 'answer', answer: { stopReason } },
      { kind: 'answer', answer: { stopReason } },
    );
    const { completion } = await model.generate(ask('hi'), options());
    expect(completion.choices[0]?.finish_reason).toBe(finishReason);
    const parts = await collect(await model.stream(ask('hi'), options()));
    const finishes = parts.flatMap((p) => (p.type === 'chunk' ? [p.chunk.choices[0]?.finish_reason] : []));
    expect(finishes.filter(Boolean)).toEqual([finishReason]);
  });

  it('reports max_tokens truncation as length', async () => {
    const { completion } = await modelWith().generate(
      ask('one two three four', { max_tokens: 2 }),
      options(),
    );
    expect(completion.choices[0]).toMatchObject({
      message: { content: 'You said: ' },
      finish_reason: 'length',
    });
  });

  it('counts prompt-cache reads and writes as input tokens, and reads as cached', async () => {
    const usage = {
      inputTokens: 12,
      outputTokens: 7,
      totalTokens: 1319,
      cacheReadInputTokens: 1000,
      cacheWriteInputTokens: 300,
    };
    const expected = { inputTokens: 1312, outputTokens: 7, cachedInputTokens: 1000, reasoningTokens: 0 };
    const model = modelWith();
    bedrock.scriptNext({ kind: 'answer', answer: { usage } }, { kind: 'answer', answer: { usage } });
    const result = await model.generate(ask('hi'), options());
    expect(result.usage).toEqual(expected);
    expect(result.completion.usage).toEqual({
      prompt_tokens: 1312,
      completion_tokens: 7,
      total_tokens: 1319,
      prompt_tokens_details: { cached_tokens: 1000 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    const parts = await collect(await model.stream(ask('hi'), options()));
    expect(parts.filter((p) => p.type === 'usage')).toEqual([{ type: 'usage', usage: expected }]);
  });

  it('reads the answer from several text blocks', async () => {
    bedrock.scriptNext({
      kind: 'raw',
      status: 200,
      body: converseBody([{ text: 'Hello, ' }, { text: 'world.' }]),
    });
    const { completion } = await modelWith().generate(ask('hi'), options());
    expect(completion.choices[0]?.message.content).toBe('Hello, world.');
  });
});

function converseBody(content: unknown[]): string {
  return JSON.stringify({
    output: { message: { role: 'assistant', content } },
    stopReason: 'end_turn',
    usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
    metrics: { latencyMs: 1 },
  });
}

describe('createBedrockChatModel failures', () => {
  it.each([
    [429, 'ThrottlingException'],
    [429, 'ModelNotReadyException'],
    [400, 'ValidationException'],
    [403, 'AccessDeniedException'],
    [500, 'InternalServerException'],
    [503, 'ServiceUnavailableException'],
  ])('reports HTTP %i %s as "http" with the status and the code', async (status, errorType) => {
    const model = modelWith();
    bedrock.scriptNext(
      { kind: 'http', status, errorType, message: 'nope' },
      { kind: 'http', status, errorType, message: 'nope' },
    );
    for (const call of [model.generate(ask('hi'), options()), model.stream(ask('hi'), options())]) {
      const error = await upstreamError(call, 'http');
      expect(error.details).toMatchObject({ status, code: errorType });
      expect(error.details.retryAfterMs).toBeUndefined();
      expect(error.message).toContain(`${errorType}: nope`);
    }
    expect(bedrock.callCount()).toBe(2);
  });

  it('reports a body Bedrock refuses as its 400 ValidationException', async () => {
    rejectionsExpected = true;
    const error = await upstreamError(
      modelWith().generate(ask('hi', { temperature: 1.5 }), options()),
      'http',
    );
    expect(error.details).toMatchObject({ status: 400, code: 'ValidationException' });
    expect(error.message).toMatch(/inferenceConfig\.temperature/);
  });

  it('reports a network failure as "connection"', async () => {
    const model = modelWith();
    bedrock.scriptNext({ kind: 'connection' }, { kind: 'connection' });
    await upstreamError(model.generate(ask('hi'), options()), 'connection');
    await upstreamError(model.stream(ask('hi'), options()), 'connection');
  });

  it('reports a 200 Converse answer without a message as "protocol"', async () => {
    bedrock.scriptNext({ kind: 'raw', status: 200, body: '{"stopReason":"end_turn"}' });
    await upstreamError(modelWith().generate(ask('hi'), options()), 'protocol');
    bedrock.scriptNext({ kind: 'raw', status: 200, body: '{"output": ' });
    await upstreamError(modelWith().generate(ask('hi'), options()), 'protocol');
  });

  const EXCEPTIONS: [BedrockStreamExceptionType, number, string][] = [
    ['throttlingException', 429, 'ThrottlingException'],
    ['modelStreamErrorException', 424, 'ModelStreamErrorException'],
    ['internalServerException', 500, 'InternalServerException'],
    ['validationException', 400, 'ValidationException'],
    ['serviceUnavailableException', 503, 'ServiceUnavailableException'],
  ];
  it.each(EXCEPTIONS)(
    'reports a %s event inside the 200 stream as "stream-error" %i, after the chunks before it',
    async (exceptionType, status, code) => {
      bedrock.scriptNext({
        kind: 'stream-exception',
        afterDeltas: 2,
        exceptionType,
        message: 'Too many tokens, please wait before trying again.',
      });
      const seen: ChatStreamPart[] = [];
      const error = await upstreamError(
        modelWith()
          .stream(ask('hello there'), options())
          .then((parts) => collect(parts, seen)),
        'stream-error',
      );
      expect(error.details).toMatchObject({ status, code });
      expect(error.message).toContain('Too many tokens, please wait before trying again.');
      expect(contentOf(seen)).toBe('You said: ');
      expect(seen.some((p) => p.type === 'usage' || p.chunk.choices[0]?.finish_reason)).toBe(false);
    },
  );

  it.each([
    ['cut between frames', { kind: 'cut', afterDeltas: 3 }, 'You said: hello '],
    ['cut inside a frame', { kind: 'cut', afterDeltas: 1, how: 'partial-frame' }, 'You '],
    ['reset connection', { kind: 'cut', afterDeltas: 2, how: 'reset' }, 'You said: '],
    // messageStart, 4 deltas, contentBlockStop, messageStop: everything but the metadata.
    ['cut before metadata', { kind: 'cut', afterEvents: 7 }, 'You said: hello there'],
  ] as const)('reports a stream %s as "protocol" after the chunks before it', async (_, script, content) => {
    bedrock.scriptNext(script);
    const seen: ChatStreamPart[] = [];
    const iterable = await modelWith().stream(ask('hello there'), options());
    await upstreamError(collect(iterable, seen), 'protocol');
    expect(contentOf(seen)).toBe(content);
    expect(seen.filter((p) => p.type === 'usage')).toEqual([]);
  });

  it('reports an abort mid-stream as "aborted" over HTTP/1 too', async () => {
    bedrock.scriptNext({ kind: 'stall', afterDeltas: 1 });
    const controller = new AbortController();
    const seen: ChatStreamPart[] = [];
    const iterable = await modelWith().stream(ask('hello there'), options(controller.signal));
    setTimeout(() => controller.abort(new Error('client went away')), 30);
    const error = await upstreamError(collect(iterable, seen), 'aborted');
    expect((error.cause as Error).message).toBe('client went away');
    expect(contentOf(seen)).toBe('You ');
  });

  it('reports an abort while waiting for headers as "aborted"', async () => {
    bedrock.scriptNext({ kind: 'answer', delayMs: 2_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await upstreamError(modelWith().generate(ask('hi'), options(controller.signal)), 'aborted');
  });

  it('releases the upstream stream when the consumer stops reading early', async () => {
    bedrock.scriptNext({ kind: 'stall', afterDeltas: 2 });
    const model: ChatModel = modelWith(new FetchHttpHandler());
    for await (const part of await model.stream(ask('hello there'), options())) {
      if (part.type === 'chunk' && part.chunk.choices[0]?.delta.content) break;
    }
    await expect.poll(() => bedrock.abortCount()).toBe(1);
  });
});
