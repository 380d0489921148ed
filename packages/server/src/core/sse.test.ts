import { describe, expect, it } from 'vitest';
import type { ByteSource } from './byte-source.js';
import {
  createSseDecoder,
  encodeSseComment,
  encodeSseData,
  encodeSseEvent,
  readSse,
  SSE_DONE,
  type SseMessage,
  type SseReader,
} from './sse.js';

const encoder = new TextEncoder();

/** A body that delivers the given pieces as separate reads. */
function body(...pieces: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces)
        controller.enqueue(typeof piece === 'string' ? encoder.encode(piece) : piece);
      controller.close();
    },
  });
}

async function readAll(reader: SseReader): Promise<SseMessage[]> {
  const messages: SseMessage[] = [];
  for await (const message of reader) messages.push(message);
  return messages;
}

const data = (messages: SseMessage[]) => messages.map((m) => m.data);

describe('readSse', () => {
  it('reads data frames and reports a clean end', async () => {
    const reader = readSse(body('data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]\n\n'));
    expect(reader.end).toBeUndefined();
    expect(data(await readAll(reader))).toEqual(['{"a":1}', '{"a":2}', '[DONE]']);
    expect(reader.end).toEqual({ clean: true });
  });

  it('reassembles frames split across reads, including inside a multi-byte character', async () => {
    const bytes = encoder.encode('data: {"t":"héllo €"}\n\n');
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 3) pieces.push(bytes.slice(i, i + 3));
    const reader = readSse(body(...pieces));
    expect(data(await readAll(reader))).toEqual(['{"t":"héllo €"}']);
    expect(reader.end).toEqual({ clean: true });
  });

  it('handles CRLF and CR line ends', async () => {
    const messages = await readAll(
      readSse(body('data: one\r\n\r\ndata: two\r\rdata: thr', 'ee\r\n', '\r\n')),
    );
    expect(data(messages)).toEqual(['one', 'two', 'three']);
  });

  it('joins multi-line data and keeps event and id', async () => {
    const messages = await readAll(readSse(body('event: delta\nid: 7\ndata: line 1\ndata: line 2\n\n')));
    expect(messages).toEqual([{ event: 'delta', id: '7', data: 'line 1\nline 2' }]);
  });

  it('skips comments and keep-alives', async () => {
    const reader = readSse(body(': ping\n\n', 'data: x\n\n', ':\n\n'));
    expect(data(await readAll(reader))).toEqual(['x']);
    expect(reader.end).toEqual({ clean: true });
  });

  it('reports a stream cut inside a message, without yielding that message', async () => {
    const reader = readSse(body('data: {"a":1}\n\ndata: {"a":'));
    expect(data(await readAll(reader))).toEqual(['{"a":1}']);
    expect(reader.end).toEqual({ clean: false, unterminated: { data: '{"a":' } });
  });

  it('reports a message whose blank line never came as cut', async () => {
    const reader = readSse(body('data: [DONE]\n'));
    expect(await readAll(reader)).toEqual([]);
    expect(reader.end?.clean).toBe(false);
    expect(reader.end?.clean === false && reader.end.unterminated.data).toBe('[DONE]');
  });

  it('treats an empty body as a clean end', async () => {
    const reader = readSse(body());
    expect(await readAll(reader)).toEqual([]);
    expect(reader.end).toEqual({ clean: true });
  });

  it('throws a read error as is', async () => {
    const failure = new Error('socket hang up');
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) controller.enqueue(encoder.encode('data: 1\n\n'));
        else controller.error(failure);
      },
    });
    const seen: string[] = [];
    const reader = readSse(stream);
    await expect(
      (async () => {
        for await (const message of reader) seen.push(message.data);
      })(),
    ).rejects.toBe(failure);
    expect(seen).toEqual(['1']);
    expect(reader.end).toBeUndefined();
  });

  it('throws the abort reason and cancels the body when the signal aborts mid-stream', async () => {
    let cancelled: unknown = 'not cancelled';
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: 1\n\n'));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const controller = new AbortController();
    const reason = new Error('caller gone');
    const seen: string[] = [];
    const run = (async () => {
      for await (const message of readSse(stream, { signal: controller.signal })) {
        seen.push(message.data);
        setTimeout(() => controller.abort(reason), 5);
      }
    })();
    await expect(run).rejects.toBe(reason);
    expect(seen).toEqual(['1']);
    expect(cancelled).toBe(reason);
  });

  it('cancels the body when the consumer stops early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: 1\n\ndata: 2\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const message of readSse(stream)) {
      expect(message.data).toBe('1');
      break;
    }
    expect(cancelled).toBe(true);
  });
});

describe('readSse over a ByteSource', () => {
  it('reads the messages of each read, and cancels the source when the consumer stops early', async () => {
    const reads = ['data: 1\n\ndata: 2\n\n', 'data: 3\n\n'];
    let cancelled = 0;
    const source: ByteSource = {
      read: async () => {
        const next = reads.shift();
        return next === undefined ? null : encoder.encode(next);
      },
      cancel: () => {
        cancelled++;
      },
    };
    const seen: string[] = [];
    for await (const message of readSse(source)) {
      seen.push(message.data);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['1', '2']);
    expect(cancelled).toBe(1);
    expect(reads).toEqual(['data: 3\n\n']);
  });
});

describe('createSseDecoder', () => {
  it('returns the messages each push completes, none for a partial one, and the end on finish', () => {
    const decoder = createSseDecoder();
    const bytes = encoder.encode('data: a\n\ndata: b\n\ndata: é');
    expect(decoder.push(bytes.slice(0, 5))).toEqual([]);
    expect(decoder.push(bytes.slice(5, bytes.length - 1)).map((m) => m.data)).toEqual(['a', 'b']);
    expect(decoder.push(bytes.slice(bytes.length - 1))).toEqual([]);
    const { messages, end } = decoder.finish();
    expect(messages).toEqual([]);
    expect(end).toEqual({ clean: false, unterminated: expect.objectContaining({ data: 'é' }) });
  });

  it('finishes clean after a complete last message, and yields what the final bytes complete', () => {
    const decoder = createSseDecoder();
    expect(decoder.push(encoder.encode('data: x\n')).length).toBe(0);
    const { messages, end } = decoder.finish();
    // A data line without its blank line is not dispatched: the stream was cut.
    expect(messages).toEqual([]);
    expect(end.clean).toBe(false);
    const clean = createSseDecoder();
    expect(clean.push(encoder.encode('data: y\n\n')).map((m) => m.data)).toEqual(['y']);
    expect(clean.finish()).toEqual({ messages: [], end: { clean: true } });
  });
});

describe('SSE writers', () => {
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

  it('frames data, [DONE], events and comments so readSse reads them back', async () => {
    expect(text(encodeSseData('{"a":1}'))).toBe('data: {"a":1}\n\n');
    expect(text(SSE_DONE)).toBe('data: [DONE]\n\n');
    expect(text(encodeSseEvent({ event: 'error', data: 'a\nb' }))).toBe('event: error\ndata: a\ndata: b\n\n');
    expect(text(encodeSseComment('keep\nalive'))).toBe(': keep alive\n\n');
    const messages = await readAll(
      readSse(
        body(
          encodeSseComment('ping'),
          encodeSseData('{"a":1}'),
          encodeSseEvent({ event: 'error', id: '3', data: 'x\r\ny' }),
          SSE_DONE,
        ),
      ),
    );
    expect(messages).toEqual([
      { id: undefined, event: undefined, data: '{"a":1}' },
      { id: '3', event: 'error', data: 'x\ny' },
      { id: undefined, event: undefined, data: '[DONE]' },
    ]);
  });
});
