import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTritonFake } from './triton-fake.js';

const BASE = 'http://triton.test:8000';
const fake = createTritonFake({
  baseUrl: BASE,
  models: { ensemble: {}, plain: { flavour: 'python', versions: ['3'] } },
});
const server = setupServer(...fake.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => fake.reset());
afterAll(() => server.close());

const post = (path: string, body: unknown) =>
  fetch(`${BASE}/v2/models/${path}`, { method: 'POST', body: JSON.stringify(body) });
const dataLines = (text: string) =>
  text
    .split('\n\n')
    .filter(Boolean)
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return event.slice('data: '.length);
    });

describe('createTritonFake', () => {
  it('answers generate like the TensorRT-LLM ensemble sample, echoing the prompt by default', async () => {
    const response = await post('ensemble/generate', { text_input: 'What is ML?', max_tokens: 50 });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      'model_name',
      'model_version',
      'sequence_end',
      'sequence_id',
      'sequence_start',
      'text_output',
    ]);
    expect(body).toMatchObject({
      model_name: 'ensemble',
      model_version: '1',
      sequence_end: false,
      sequence_id: 0,
    });
    expect(body.text_output).toMatch(/^What is ML\?\w/);
  });

  it('streams delta frames with the sample keys, no [DONE], as text/event-stream; charset=utf-8', async () => {
    const request = { text_input: 'What is ML?', max_tokens: 50, parameters: { stream: true } };
    const response = await post('ensemble/generate_stream', request);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const frames = dataLines(await response.text()).map(
      (data) => JSON.parse(data) as Record<string, unknown>,
    );
    expect(frames.length).toBeGreaterThanOrEqual(3);
    expect(Object.keys(frames[0] ?? {})).toEqual([
      'context_logits',
      'cum_log_probs',
      'generation_logits',
      'model_name',
      'model_version',
      'output_log_probs',
      'sequence_end',
      'sequence_id',
      'sequence_start',
      'text_output',
    ]);
    const generated = (await (
      await post('ensemble/generate', { ...request, parameters: {}, exclude_input_in_output: true })
    ).json()) as { text_output: string };
    expect(frames.map((f) => f.text_output).join('')).toBe(generated.text_output);
  });

  it('cuts the answer at max_tokens deltas and streams one whole frame when not asked to stream', async () => {
    const response = await post('ensemble/generate_stream', { text_input: 'x', max_tokens: 2 });
    const frames = dataLines(await response.text());
    expect(frames).toHaveLength(1);
    expect((JSON.parse(frames[0] as string) as { text_output: string }).text_output.split(' ')).toHaveLength(
      2,
    );
  });

  it('serves a plain model with the three spec keys and its own version', async () => {
    const body = await (await post('plain/generate', { text_input: 'hi' })).json();
    expect(Object.keys(body as object)).toEqual(['model_name', 'model_version', 'text_output']);
    expect((body as { model_version: string }).model_version).toBe('3');
    expect((await post('plain/versions/4/generate', { text_input: 'hi' })).status).toBe(404);
  });

  it('answers 400 {"error"} for a missing text_input, a missing ensemble max_tokens or a non-scalar parameter', async () => {
    for (const [path, body, message] of [
      ['plain/generate', {}, "missing required input(s) ['text_input']"],
      ['ensemble/generate', { text_input: 'x' }, "missing required input(s) ['max_tokens']"],
      ['plain/generate_stream', { text_input: 'x', parameters: { stop: ['a'] } }, "parameter 'stop'"],
    ] as const) {
      const response = await post(path, body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toContain(message);
    }
  });

  it('injects an error frame under HTTP 200 after K frames', async () => {
    fake.faults.errorFrameNextStreamAfter(1);
    const response = await post('plain/generate_stream', { text_input: 'x', parameters: { stream: true } });
    expect(response.status).toBe(200);
    const frames = dataLines(await response.text());
    expect(frames).toHaveLength(2);
    expect(JSON.parse(frames[1] as string)).toEqual({ error: expect.any(String) });
  });

  it('injects HTTP errors with Retry-After, refused connections and broken bodies', async () => {
    fake.faults.failNext(429, { retryAfterSeconds: 3 });
    const limited = await post('plain/generate', { text_input: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.json()).toEqual({ error: expect.any(String) });

    fake.faults.refuseNext();
    await expect(post('plain/generate', { text_input: 'x' })).rejects.toThrow(TypeError);

    fake.faults.cutNextStreamAfter(1);
    const cut = await post('plain/generate_stream', { text_input: 'x', parameters: { stream: true } });
    await expect(cut.text()).rejects.toThrow();
  });

  it('counts requests the client abandons while the fake stalls', async () => {
    fake.faults.hangNext();
    const controller = new AbortController();
    const pending = fetch(`${BASE}/v2/models/plain/generate`, {
      method: 'POST',
      body: '{"text_input":"x"}',
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toThrow();
    await expect.poll(() => fake.aborts()).toBe(1);
    expect(fake.requests[0]?.aborted).toBe(true);
  });
});
