import { describe, expect, it } from 'vitest';
import { readSse } from '../../core/sse.js';
import type { ChatStreamPart } from '../../ports/chat-model.js';
import { StreamInterruptedError, type StreamOutcome } from '../gateway/router.js';
import { type AnswerStreamEnd, answerSseBody } from './answer-sse.js';

const token = (content: string): ChatStreamPart => ({
  type: 'chunk',
  chunk: {
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  },
});
const roleOnly: ChatStreamPart = {
  type: 'chunk',
  chunk: {
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
  },
};
const usage: ChatStreamPart = {
  type: 'usage',
  usage: { inputTokens: 10, outputTokens: 3, cachedInputTokens: 0, reasoningTokens: 0 },
};

function outcomeOf(
  head: ChatStreamPart[],
  rest: ChatStreamPart[],
  failAfterRest?: Error,
): StreamOutcome<ChatStreamPart> & { cancelled: () => boolean } {
  let cancelled = false;
  return {
    stream: true,
    target: { id: 't', kind: 'vllm', model: 'm' },
    attempts: [],
    upstreamMs: 0,
    head,
    rest: (async function* () {
      for (const part of rest) {
        await new Promise((r) => setTimeout(r, 1));
        yield part;
      }
      if (failAfterRest) throw failAfterRest;
    })(),
    cancel: () => {
      cancelled = true;
    },
    cancelled: () => cancelled,
  };
}

async function eventsOf(body: ReadableStream<Uint8Array>) {
  const events: { event: string | undefined; data: unknown }[] = [];
  for await (const message of readSse(body))
    events.push({ event: message.event, data: JSON.parse(message.data) });
  return events;
}

describe('answerSseBody', () => {
  it('sends citations first, then each piece of text, then done with what settle returns', async () => {
    const ends: AnswerStreamEnd[] = [];
    const body = answerSseBody({
      citations: { citations: [{ ref: 1 }] },
      outcome: outcomeOf([roleOnly, token('Receipts')], [token(' are due [1].'), usage]),
      requestId: 'req_1',
      settle: async (end) => {
        ends.push(end);
        return { answer: end.text, settled: true };
      },
    });
    expect(await eventsOf(body)).toEqual([
      { event: 'citations', data: { citations: [{ ref: 1 }] } },
      { event: 'token', data: { text: 'Receipts' } },
      { event: 'token', data: { text: ' are due [1].' } },
      { event: 'done', data: { answer: 'Receipts are due [1].', settled: true } },
    ]);
    expect(ends).toEqual([{ outcome: 'ok', usage: usage.usage, text: 'Receipts are due [1].' }]);
  });

  it('ends a stream cut after its first token with an error event and no done', async () => {
    const ends: AnswerStreamEnd[] = [];
    const cut = new StreamInterruptedError('upstream closed the stream', { target: 't', reason: 'upstream' });
    const body = answerSseBody({
      citations: { citations: [] },
      outcome: outcomeOf([token('Half')], [token(' an answer')], cut),
      requestId: 'req_2',
      settle: async (end) => {
        ends.push(end);
        return { done: true };
      },
    });
    const events = await eventsOf(body);
    expect(events.map((e) => e.event)).toEqual(['citations', 'token', 'token', 'error']);
    expect(events.at(-1)?.data).toEqual({
      error: {
        code: 'UPSTREAM_ERROR',
        message: 'the answer failed: upstream closed the stream',
        requestId: 'req_2',
      },
    });
    expect(ends).toEqual([{ outcome: 'error', usage: null, text: 'Half an answer' }]);
  });

  it('cancels the upstream call and settles as client-aborted when the client cancels', async () => {
    const ends: AnswerStreamEnd[] = [];
    const outcome = outcomeOf([token('One')], [token(' two'), token(' three')]);
    const body = answerSseBody({
      citations: {},
      outcome,
      requestId: 'req_3',
      settle: async (end) => {
        ends.push(end);
        return {};
      },
    });
    const reader = body.getReader();
    await reader.read();
    await reader.cancel();
    expect(outcome.cancelled()).toBe(true);
    expect(ends).toEqual([{ outcome: 'client-aborted', usage: null, text: 'One' }]);
  });
});
