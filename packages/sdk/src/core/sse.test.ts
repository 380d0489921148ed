import { describe, expect, it } from 'vitest';
import { readServerSentEvents, type ServerSentEvent } from './sse.js';

function streamOf(pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
}

async function read(pieces: string[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(streamOf(pieces))) events.push(event);
  return events;
}

describe('readServerSentEvents', () => {
  it('reads named events, skips comments and joins data lines', async () => {
    expect(await read([': ping\n\nevent: token\ndata: {"text":"a"}\n\ndata: one\ndata:two\n\n'])).toEqual([
      { event: 'token', data: '{"text":"a"}' },
      { event: 'message', data: 'one\ntwo' },
    ]);
  });

  it('handles CRLF and CR line ends, also split across reads', async () => {
    const text = 'event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\r';
    const whole = await read([text]);
    expect(whole).toEqual([
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
    ]);
    // Every split point, including between a CR and its LF.
    for (let i = 1; i < text.length; i++) {
      expect(await read([text.slice(0, i), text.slice(i)])).toEqual(whole);
    }
  });

  it('does not dispatch an event cut before its blank line', async () => {
    expect(await read(['event: done\ndata: {"id":1}\n\nevent: token\ndata: {"text":"cut'])).toEqual([
      { event: 'done', data: '{"id":1}' },
    ]);
  });

  it('decodes multi-byte characters split across reads', async () => {
    const bytes = new TextEncoder().encode('data: héllo ✓\n\n');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const events: ServerSentEvent[] = [];
    for await (const event of readServerSentEvents(stream)) events.push(event);
    expect(events).toEqual([{ event: 'message', data: 'héllo ✓' }]);
  });
});
