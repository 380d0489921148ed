import { EventStreamCodec } from '@smithy/eventstream-codec';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBedrockConverseFake } from './bedrock-converse-fake.js';

// The adapter's tests cover the fake through the SDK; these check what the SDK would not show:
// refusals of malformed requests and the raw frame encoding.
const REGION = 'us-west-2';
const URL = `https://bedrock-runtime.${REGION}.amazonaws.com/model/${encodeURIComponent('meta.llama3-8b-instruct-v1:0')}`;
const bedrock = createBedrockConverseFake({ region: REGION });
const server = setupServer(...bedrock.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => bedrock.reset());
afterAll(() => server.close());

const signed = {
  authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-west-2/bedrock/aws4_request',
  'content-type': 'application/json',
};
const post = (path: string, body: unknown, headers: Record<string, string> = signed) =>
  fetch(`${URL}/${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const user = (text: string) => ({ role: 'user', content: [{ text }] });

describe('Bedrock Converse fake', () => {
  it.each([
    ['an unsigned request', { messages: [user('hi')] }, { 'content-type': 'application/json' }, /SigV4/],
    ['a body that is not JSON', '{"messages": [', signed, /not valid JSON/],
    ['no messages', { messages: [] }, signed, /at least one message/],
    ['an unknown field', { messages: [user('hi')], temperature: 0.5 }, signed, /Unknown field: temperature/],
    [
      'a system role in messages',
      { messages: [{ role: 'system', content: [{ text: 'x' }] }] },
      signed,
      /enum value set/,
    ],
    ['a blank text block', { messages: [user(' ')] }, signed, /is blank/],
    [
      'an assistant first',
      { messages: [{ role: 'assistant', content: [{ text: 'x' }] }] },
      signed,
      /must start with a user message/,
    ],
    ['two user turns in a row', { messages: [user('a'), user('b')] }, signed, /must alternate/],
    ['a bad maxTokens', { messages: [user('a')], inferenceConfig: { maxTokens: 0 } }, signed, /maxTokens/],
    ['an unknown inference field', { messages: [user('a')], inferenceConfig: { topK: 5 } }, signed, /topK/],
  ])('refuses %s with a ValidationException', async (_, body, headers, message) => {
    for (const path of ['converse', 'converse-stream']) {
      const response = await post(path, body, headers);
      expect(response.status).toBe(400);
      expect(response.headers.get('x-amzn-errortype')).toMatch(/^ValidationException:/);
      expect(((await response.json()) as { message: string }).message).toMatch(message);
    }
    expect(bedrock.rejected).toHaveLength(2);
  });

  it('streams event-stream frames with the headers the SDK reads', async () => {
    const response = await post('converse-stream', {
      messages: [user('one two')],
      system: [{ text: 'be brief' }],
      inferenceConfig: { maxTokens: 100 },
    });
    expect(response.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
    const bytes = new Uint8Array(await response.arrayBuffer());
    const codec = new EventStreamCodec(
      (b) => new TextDecoder().decode(b),
      (s) => new TextEncoder().encode(s),
    );
    const events: [unknown, unknown, unknown][] = [];
    for (let offset = 0; offset < bytes.length; ) {
      const length = new DataView(bytes.buffer, offset, 4).getUint32(0);
      const message = codec.decode(bytes.subarray(offset, offset + length));
      const { p, ...body } = JSON.parse(new TextDecoder().decode(message.body));
      expect(typeof p).toBe('string');
      events.push([message.headers[':message-type']?.value, message.headers[':event-type']?.value, body]);
      expect(message.headers[':content-type']?.value).toBe('application/json');
      offset += length;
    }
    expect(events).toEqual([
      ['event', 'messageStart', { role: 'assistant' }],
      ['event', 'contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'You ' } }],
      ['event', 'contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'said: ' } }],
      ['event', 'contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'one ' } }],
      ['event', 'contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'two' } }],
      ['event', 'contentBlockStop', { contentBlockIndex: 0 }],
      ['event', 'messageStop', { stopReason: 'end_turn' }],
      // words + 1 per prompt text: "be brief" 3, "one two" 3.
      [
        'event',
        'metadata',
        { usage: { inputTokens: 6, outputTokens: 4, totalTokens: 10 }, metrics: { latencyMs: 250 } },
      ],
    ]);
    expect(bedrock.calls[0]).toMatchObject({ modelId: 'meta.llama3-8b-instruct-v1:0', stream: true });
  });
});
