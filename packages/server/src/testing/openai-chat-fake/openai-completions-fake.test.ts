import { existsSync, readFileSync } from 'node:fs';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createOpenAIChatFake } from './openai-chat-fake.js';

const spec = new URL('../../../../../../shared/specs/openai-openapi.yaml', import.meta.url);
const vllm = createOpenAIChatFake({ baseURL: 'http://vllm.cmpl.test/v1', flavour: 'vllm' });
const trtllm = createOpenAIChatFake({ baseURL: 'http://trtllm.cmpl.test/v1', flavour: 'trtllm' });
const openai = createOpenAIChatFake({ baseURL: 'http://openai.cmpl.test/v1', flavour: 'openai' });
const server = setupServer(...vllm.handlers, ...trtllm.handlers, ...openai.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  vllm.reset();
  trtllm.reset();
  openai.reset();
});

const VLLM_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const post = (host: string, body: unknown, init: RequestInit = {}) =>
  fetch(`http://${host}.cmpl.test/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...init,
  });

/** The `data:` payloads of an SSE body, checking the framing on the way. */
async function frames(response: Response): Promise<string[]> {
  const text = await response.text();
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((block) => {
      expect(block).toMatch(/^data: [^\n]+$/);
      return block.slice('data: '.length);
    });
}

describe('legacy completions: request validation', () => {
  it.skipIf(!existsSync(spec))('uses a verbatim copy of the spec schemas', () => {
    const schemas = parse(readFileSync(spec, 'utf8')).components.schemas;
    const copy = JSON.parse(
      readFileSync(new URL('./create-completion-request.schema.json', import.meta.url), 'utf8'),
    );
    expect(Object.keys(copy.components.schemas)).toContain('CreateCompletionRequest');
    for (const [name, schema] of Object.entries(copy.components.schemas)) {
      expect(schema, name).toEqual(schemas[name]);
    }
  });

  it('rejects bodies that break CreateCompletionRequest', async () => {
    const response = await post('vllm', { model: VLLM_MODEL, prompt: 'hi', n: 0 });
    expect(response.status).toBe(400);
    expect(vllm.invalidRequests[0]?.reason).toMatch(/CreateCompletionRequest: \/n must be >= 1/);
    expect((await post('vllm', { model: VLLM_MODEL })).status).toBe(400);
    expect((await post('openai', { model: 'gpt-4o-mini', prompt: { text: 'hi' } })).status).toBe(400);
  });

  it('applies trtllm-serve`s strict CompletionRequest and OpenAI`s unknown-argument check', async () => {
    expect((await post('trtllm', { model: 'x', prompt: 'hi', top_k: 20, min_p: 0.1 })).status).toBe(200);
    const strict = await post('trtllm', { model: 'x', prompt: 'hi', structured_outputs: { json: {} } });
    expect(strict.status).toBe(400);
    expect((await strict.json()).error).toMatch(
      /^1 validation error for CompletionRequest\nstructured_outputs/,
    );
    const openaiExtra = await post('openai', { model: 'gpt-4o-mini', prompt: 'hi', top_k: 20 });
    expect(openaiExtra.status).toBe(400);
    expect((await openaiExtra.json()).error.message).toBe('Unrecognized request argument supplied: top_k');
    // Fields OpenAI's legacy endpoint has but chat does not.
    expect(
      (await post('openai', { model: 'gpt-4o-mini', prompt: 'hi', echo: true, best_of: 2 })).status,
    ).toBe(200);
  });

  it('refuses stream_options without stream (vLLM, trtllm) and a suffix', async () => {
    const body = { model: VLLM_MODEL, prompt: 'hi', stream_options: { include_usage: true } };
    expect((await post('vllm', body)).status).toBe(400);
    expect((await post('trtllm', { ...body, model: 'x' })).status).toBe(400);
    expect((await post('vllm', { model: VLLM_MODEL, prompt: 'hi', suffix: '!' })).status).toBe(400);
    expect((await post('vllm', { model: VLLM_MODEL, prompt: '' })).status).toBe(400);
    expect((await post('openai', { model: 'gpt-4o-mini', prompt: 'hi', suffix: '!' })).status).toBe(200);
  });
});

describe('legacy completions: answers', () => {
  it('answers vLLM non-streaming requests in the sample shape', async () => {
    const body = await (
      await post('vllm', { model: VLLM_MODEL, prompt: 'Once upon a time', max_tokens: 3 })
    ).json();
    expect(body.id).toMatch(/^cmpl-[0-9a-f]{32}$/);
    expect(body).toEqual({
      id: body.id,
      object: 'text_completion',
      created: body.created,
      model: VLLM_MODEL,
      choices: [
        { index: 0, text: 'You prompted: Once', logprobs: null, finish_reason: 'length', stop_reason: null },
      ],
      usage: { prompt_tokens: 5, total_tokens: 8, completion_tokens: 3 },
    });
    expect(vllm.requests[0]?.endpoint).toBe('completions');
  });

  it('answers a batch of prompts with n choices each, indexed prompt * n + j', async () => {
    const body = await (await post('vllm', { model: VLLM_MODEL, prompt: ['a', 'b'], n: 2 })).json();
    expect(body.choices.map((c: { index: number; text: string }) => [c.index, c.text])).toEqual([
      [0, 'You prompted: a'],
      [1, 'You prompted: a'],
      [2, 'You prompted: b'],
      [3, 'You prompted: b'],
    ]);
    const tokens = await (await post('vllm', { model: VLLM_MODEL, prompt: [1, 2, 3] })).json();
    expect(tokens.choices[0].text).toBe('You prompted: 3 token ids');
  });

  it('echoes the prompt when asked', async () => {
    const body = await (await post('openai', { model: 'gpt-4o-mini', prompt: 'Say:', echo: true })).json();
    expect(body.choices[0].text).toBe('Say:You prompted: Say:');
  });

  it('streams vLLM text chunks, the finish reason on the last one, then the usage chunk and [DONE]', async () => {
    const response = await post('vllm', {
      model: VLLM_MODEL,
      prompt: 'Hi there',
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const data = await frames(response);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.slice(0, -1).map((c) => c.choices[0].text)).toEqual(['You', ' prompted:', ' Hi', ' there']);
    expect(chunks[0]).toEqual({
      id: chunks[0].id,
      object: 'text_completion',
      created: chunks[0].created,
      model: VLLM_MODEL,
      choices: [{ index: 0, text: 'You', logprobs: null, finish_reason: null, stop_reason: null }],
    });
    expect(chunks.at(-2).choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({
      object: 'text_completion',
      choices: [],
      usage: { prompt_tokens: 3, total_tokens: 7, completion_tokens: 4 },
    });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it('streams OpenAI chunks with usage: null, a finish chunk of empty text, and usage only when asked', async () => {
    const asked = await frames(
      await post('openai', {
        model: 'gpt-4o-mini',
        prompt: 'Hi',
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const chunks = asked.slice(0, -1).map((d) => JSON.parse(d));
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
    expect(chunks.at(-2).choices[0]).toEqual({ text: '', index: 0, logprobs: null, finish_reason: 'stop' });
    expect(chunks.at(-1).usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
    const plain = await frames(await post('openai', { model: 'gpt-4o-mini', prompt: 'Hi', stream: true }));
    expect(plain.slice(0, -1).every((d) => JSON.parse(d).choices.length === 1)).toBe(true);
  });

  it('defaults max_tokens to 16 like vLLM and OpenAI, while trtllm-serve sets no limit', async () => {
    const prompt = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen';
    const fromVllm = await (await post('vllm', { model: VLLM_MODEL, prompt })).json();
    expect(fromVllm.choices[0].finish_reason).toBe('length');
    expect(fromVllm.usage.completion_tokens).toBe(16);
    const fromTrtllm = await (await post('trtllm', { model: 'x', prompt })).json();
    expect(fromTrtllm.choices[0].finish_reason).toBe('stop');
    expect(fromTrtllm.usage.completion_tokens).toBe(17);
  });
});

describe('legacy completions: faults', () => {
  it('sends the headers of a slow non-streaming answer at once and its body later', async () => {
    vllm.fault({ type: 'slow-body', ms: 150 });
    const started = performance.now();
    const response = await post('vllm', { model: VLLM_MODEL, prompt: 'hi' });
    expect(performance.now() - started).toBeLessThan(100);
    expect((await response.json()).choices[0].text).toBe('You prompted: hi');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('cuts a completion stream after K frames without [DONE]', async () => {
    vllm.fault({ type: 'cut-after', chunks: 2 });
    const data = await frames(await post('vllm', { model: VLLM_MODEL, prompt: 'hi there', stream: true }));
    expect(data).toHaveLength(2);
    expect(data).not.toContain('[DONE]');
  });
});
