import type { Context } from 'hono';
import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, ChatStreamPart } from '../ports/chat-model.js';
import { type ChatStreamOutcome, StreamInterruptedError } from '../services/gateway/router.js';
import { gatewaySseBody, type StreamEnd, writeHeadersWithFirstFrames } from './gateway-sse.js';

const chunk = (content: string): ChatStreamPart => {
  const value: ChatCompletionChunk = {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'llama',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  };
  return { type: 'chunk', chunk: value, raw: JSON.stringify(value) };
};
const usage: ChatStreamPart = {
  type: 'usage',
  usage: { inputTokens: 3, outputTokens: 2, cachedInputTokens: 0, reasoningTokens: 0 },
  raw: '{"id":"chatcmpl-1","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}',
};

/** An outcome whose rest yields `rest` with a pause before each part, then throws `failure` if given. */
function outcomeOf(head: ChatStreamPart[], rest: ChatStreamPart[], failure?: Error): ChatStreamOutcome {
  return {
    stream: true,
    target: { id: 'vllm', kind: 'vllm', model: 'llama' },
    attempts: [],
    upstreamMs: 0,
    head,
    rest: (async function* () {
      for (const part of rest) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        yield part;
      }
      if (failure) throw failure;
    })(),
    cancel: () => {},
  };
}

async function frames(body: ReadableStream<Uint8Array>): Promise<string[]> {
  const text = await new Response(body).text();
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => frame.replace(/^data: /, ''));
}

const options = { requestId: 'req_1', usageChunk: { object: 'chat.completion.chunk', idPrefix: 'chatcmpl' } };

describe('gatewaySseBody', () => {
  it('forwards the parts as they came, the usage only when asked, then [DONE] after onEnd', async () => {
    const ends: StreamEnd[] = [];
    const parts = [chunk('a'), chunk('b'), usage];
    const body = gatewaySseBody(outcomeOf([chunk('first')], parts), {
      ...options,
      clientWantsUsage: false,
      chunkText: (c) => c.choices[0]?.delta.content ?? '',
      onEnd: async (end) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        ends.push(end);
      },
    });
    const sent = await frames(body);
    expect(sent.map((f) => (f === '[DONE]' ? f : JSON.parse(f).choices[0].delta.content))).toEqual([
      'first',
      'a',
      'b',
      '[DONE]',
    ]);
    expect(ends).toEqual([{ outcome: 'ok', usage: usage.type === 'usage' && usage.usage, text: 'firstab' }]);

    const withUsage = await frames(
      gatewaySseBody(outcomeOf([chunk('first')], parts), { ...options, clientWantsUsage: true }),
    );
    expect(withUsage.at(-2)).toBe(usage.raw);
  });

  it('ends a failed stream with an error event and no [DONE]', async () => {
    const failure = new StreamInterruptedError('vllm: went silent', {
      target: 'vllm',
      reason: 'idle-timeout',
    });
    const sent = await frames(
      gatewaySseBody(outcomeOf([chunk('first')], [chunk('a')], failure), {
        ...options,
        clientWantsUsage: false,
      }),
    );
    expect(sent).toHaveLength(3);
    expect(sent).not.toContain('[DONE]');
    expect(JSON.parse(sent[2] as string)).toMatchObject({
      error: { type: 'timeout', code: 'UPSTREAM_TIMEOUT', requestId: 'req_1' },
    });
  });
});

describe('writeHeadersWithFirstFrames', () => {
  it("corks a Node response until the end of the tick, and leaves other runtimes' contexts alone", async () => {
    const calls: string[] = [];
    const outgoing = { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') };
    writeHeadersWithFirstFrames({ env: { outgoing } } as unknown as Context);
    expect(calls).toEqual(['cork']);
    await Promise.resolve();
    expect(calls).toEqual(['cork']); // not before the microtasks of this tick have run
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['cork', 'uncork']);
    expect(() => writeHeadersWithFirstFrames({ env: undefined } as unknown as Context)).not.toThrow();
    expect(() => writeHeadersWithFirstFrames({ env: { DB: {} } } as unknown as Context)).not.toThrow();
  });
});
