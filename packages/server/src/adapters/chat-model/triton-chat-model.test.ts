import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../core/api-error.js';
import type { ChatRequest, ChatStreamPart } from '../../ports/chat-model.js';
import { UpstreamError } from '../../ports/chat-model.js';
import { createTritonFake } from '../../testing/triton-fake/triton-fake.js';
import { createTritonChatModel, type TritonChatModelConfig } from './triton-chat-model.js';

const BASE = 'http://triton.test:8000';
const fake = createTritonFake({
  baseUrl: BASE,
  models: {
    ensemble: { versions: ['1', '2'] },
    scripted: { flavour: 'python', reply: () => ['Hel', 'lo', '', ' wor', 'ld'] },
    bounded: { flavour: 'python', reply: () => ['a', 'b', 'c'], finishReason: 'length' },
  },
});
const server = setupServer(...fake.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  fake.reset();
});
afterAll(() => server.close());

const signal = () => new AbortController().signal;
const model = (overrides: Partial<TritonChatModelConfig> = {}) =>
  createTritonChatModel({
    id: 'triton-a',
    baseURL: `${BASE}/`,
    model: 'ensemble',
    now: () => 1_700_000_000_500,
    ...overrides,
  });
const request = (overrides: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'ensemble',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Colours?' },
  ],
  max_tokens: 16,
  ...overrides,
});

async function collect(iterable: AsyncIterable<ChatStreamPart>, seen: ChatStreamPart[] = []) {
  for await (const part of iterable) seen.push(part);
  return seen;
}
async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}
const chunks = (parts: ChatStreamPart[]) => parts.flatMap((p) => (p.type === 'chunk' ? [p.chunk] : []));

describe('createTritonChatModel: request mapping', () => {
  it('renders the prompt and maps OpenAI fields to the generate request, dropping the rest', async () => {
    await model().generate(
      request({
        max_tokens: 99,
        max_completion_tokens: 12,
        temperature: 0.2,
        top_p: 0.9,
        stop: ['\nuser:', 'END'],
        seed: 7,
        user: 'u1',
        top_k: 5,
        response_format: { type: 'text' },
      }),
      { signal: signal() },
    );
    expect(fake.requests).toHaveLength(1);
    const [recorded] = fake.requests;
    expect(recorded?.model).toBe('ensemble');
    expect(recorded?.version).toBeUndefined();
    expect(recorded?.stream).toBe(false);
    expect(recorded?.body).toEqual({
      text_input: 'system: Be brief.\nuser: Colours?\nassistant:',
      max_tokens: 12,
      stop_words: ['\nuser:', 'END'],
      exclude_input_in_output: true,
      parameters: { temperature: 0.2, top_p: 0.9 },
    });
  });

  it('streams with parameters.stream, a string stop, extra inputs, headers and a version in the URL', async () => {
    const chat = model({
      version: '2',
      inputs: { end_id: 2, pad_id: 2 },
      headers: { authorization: 'Bearer t' },
      excludeInputInOutput: false,
      promptTemplate: (messages) => `Q: ${messages.at(-1)?.content}\nA:`,
    });
    await collect(await chat.stream(request({ stop: 'END', temperature: 0 }), { signal: signal() }));
    const [recorded] = fake.requests;
    expect(recorded?.stream).toBe(true);
    expect(recorded?.version).toBe('2');
    expect(recorded?.headers.get('authorization')).toBe('Bearer t');
    expect(recorded?.body).toEqual({
      text_input: 'Q: Colours?\nA:',
      max_tokens: 16,
      stop_words: ['END'],
      end_id: 2,
      pad_id: 2,
      parameters: { temperature: 0, stream: true },
    });
  });

  it('uses defaultMaxTokens when the request sets none; without it a TensorRT-LLM ensemble answers 400', async () => {
    await model({ defaultMaxTokens: 3 }).generate(request({ max_tokens: null }), { signal: signal() });
    expect(fake.requests[0]?.body.max_tokens).toBe(3);

    const error = await failure(model().generate(request({ max_tokens: undefined }), { signal: signal() }));
    expect(error.details).toMatchObject({ kind: 'http', status: 400, target: 'triton-a' });
    expect(error.message).toContain("missing required input(s) ['max_tokens']");
  });

  it('refuses n > 1 and non-text content before calling the upstream', async () => {
    await expect(model().generate(request({ n: 2 }), { signal: signal() })).rejects.toThrow(ApiError);
    const image = request({
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }],
    });
    await expect(model().stream(image, { signal: signal() })).rejects.toThrow(ApiError);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('createTritonChatModel: generate', () => {
  it('answers a chat.completion with text_output as content and no usage', async () => {
    const result = await model().generate(request(), { signal: signal() });
    expect(result.usage).toBeNull();
    const { completion } = result;
    expect(completion).toMatchObject({
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'ensemble',
    });
    expect(completion.id).toMatch(/^chatcmpl-[0-9a-f]{24}$/);
    expect(completion.usage).toBeUndefined();
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: expect.any(String), refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ]);
  });

  it('needs exclude_input_in_output: without it the ensemble puts the prompt before the answer', async () => {
    const clean = await model().generate(request(), { signal: signal() });
    const echoed = await model({ excludeInputInOutput: false }).generate(request(), { signal: signal() });
    const answer = clean.completion.choices[0]?.message.content ?? '';
    expect(answer.length).toBeGreaterThan(0);
    expect(echoed.completion.choices[0]?.message.content).toBe(
      `system: Be brief.\nuser: Colours?\nassistant:${answer}`,
    );
  });

  it("keeps a model's finish_reason output", async () => {
    const result = await model({ model: 'bounded' }).generate(request(), { signal: signal() });
    expect(result.completion.choices[0]?.finish_reason).toBe('length');
  });

  it("reports an unknown model as http 404 with Triton's message", async () => {
    const error = await failure(model({ model: 'nope' }).generate(request(), { signal: signal() }));
    expect(error.details).toMatchObject({ kind: 'http', status: 404 });
    expect(error.message).toContain("Request for unknown model: 'nope' is not found");
  });

  it('reports an error object under HTTP 200 as stream-error and a body without text_output as protocol', async () => {
    server.use(
      http.post(`${BASE}/v2/models/odd/generate`, () => HttpResponse.json({ error: 'model exploded' })),
      http.post(`${BASE}/v2/models/empty/generate`, () => HttpResponse.json({ model_name: 'empty' })),
    );
    const streamError = await failure(model({ model: 'odd' }).generate(request(), { signal: signal() }));
    expect(streamError.details.kind).toBe('stream-error');
    expect(streamError.message).toContain('model exploded');
    const protocol = await failure(model({ model: 'empty' }).generate(request(), { signal: signal() }));
    expect(protocol.details.kind).toBe('protocol');
  });
});

describe('createTritonChatModel: stream', () => {
  it('turns text_output deltas into chunks, role first, then a final finish chunk', async () => {
    const parts = await collect(await model({ model: 'scripted' }).stream(request(), { signal: signal() }));
    const list = chunks(parts);
    expect(parts.every((p) => p.type === 'chunk')).toBe(true);
    // The empty frame yields nothing; the clean end yields the finish chunk.
    expect(list.map((c) => c.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: 'Hel' },
      { content: 'lo' },
      { content: ' wor' },
      { content: 'ld' },
      {},
    ]);
    expect(list.map((c) => c.choices[0]?.finish_reason)).toEqual([null, null, null, null, 'stop']);
    expect(new Set(list.map((c) => c.id)).size).toBe(1);
    for (const chunk of list) {
      expect(chunk).toMatchObject({
        object: 'chat.completion.chunk',
        created: 1_700_000_000,
        model: 'scripted',
      });
    }
  });

  it("ends with the model's finish_reason when a frame carries one", async () => {
    const list = chunks(
      await collect(await model({ model: 'bounded' }).stream(request(), { signal: signal() })),
    );
    expect(list.at(-1)?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'length' });
    expect(list.filter((c) => c.choices[0]?.finish_reason !== null)).toHaveLength(1);
  });

  it('throws stream-error with the message of an error frame, after the frames before it', async () => {
    fake.injectNext({
      kind: 'error-frame',
      afterFrames: 2,
      message: 'Executor failed: out of KV cache blocks',
    });
    const seen: ChatStreamPart[] = [];
    const error = await failure(collect(await model().stream(request(), { signal: signal() }), seen));
    expect(error.details).toMatchObject({ kind: 'stream-error', target: 'triton-a' });
    expect(error.message).toContain('out of KV cache blocks');
    expect(chunks(seen)).toHaveLength(2);
    expect(chunks(seen).every((c) => c.choices[0]?.finish_reason === null)).toBe(true);
  });

  it.each([
    ['a frame that is not JSON', { kind: 'malformed-frame', afterFrames: 1 } as const, /not JSON/],
    ['a body cut mid-frame', { kind: 'cut-mid-frame', afterFrames: 2 } as const, /middle of a frame/],
    ['a broken read', { kind: 'cut', afterFrames: 1 } as const, /broke off/],
    ['a stream without frames', { kind: 'empty-stream' } as const, /without a single frame/],
  ])('throws protocol on %s, with no finish chunk', async (_name, fault, message) => {
    fake.injectNext(fault);
    const seen: ChatStreamPart[] = [];
    const error = await failure(collect(await model().stream(request(), { signal: signal() }), seen));
    expect(error.details.kind).toBe('protocol');
    expect(error.message).toMatch(message);
    expect(chunks(seen).some((c) => c.choices[0]?.finish_reason !== null)).toBe(false);
  });

  it('rejects a 200 that is not an event stream as protocol', async () => {
    server.use(
      http.post(`${BASE}/v2/models/ensemble/generate_stream`, () => HttpResponse.json({ text_output: 'x' })),
    );
    const error = await failure(model().stream(request(), { signal: signal() }));
    expect(error.details.kind).toBe('protocol');
  });

  it('reports an HTTP error before the stream with its status and message', async () => {
    fake.injectNext({ kind: 'http', status: 400, message: 'input token length exceeds max_input_len' });
    const error = await failure(model().stream(request(), { signal: signal() }));
    expect(error.details).toMatchObject({ kind: 'http', status: 400 });
    expect(error.message).toContain('input token length exceeds max_input_len');
  });

  it('closes the upstream request when the consumer stops reading early', async () => {
    const iterable = await model().stream(request(), { signal: signal() });
    for await (const part of iterable) {
      expect(part.type).toBe('chunk');
      break;
    }
    await expect.poll(() => fake.aborts()).toBe(1);
  });

  it('does not abort the upstream after a complete stream', async () => {
    await collect(await model().stream(request(), { signal: signal() }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.aborts()).toBe(0);
  });
});
