import { describe, expect, it } from 'vitest';
import { BYTE_SOURCE, type ByteSource, byteSourceOf, streamByteSource } from './byte-source.js';

const encoder = new TextEncoder();
const decode = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));

describe('byteSourceOf', () => {
  it("takes the response's own ByteSource when it offers one", async () => {
    const own: ByteSource = { read: async () => null, cancel: () => {} };
    const response = { body: null, [BYTE_SOURCE]: () => own } as unknown as Response;
    expect(byteSourceOf(response)).toBe(own);
  });

  it("reads a fetch Response's web stream, one chunk per read, then null", async () => {
    const response = new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode('a'));
          controller.enqueue(encoder.encode('b'));
          controller.close();
        },
      }),
    );
    const source = byteSourceOf(response) as ByteSource;
    expect(decode(await source.read())).toBe('a');
    expect(decode(await source.read())).toBe('b');
    expect(await source.read()).toBeNull();
  });

  it('gives none for a response without a body', () => {
    expect(byteSourceOf(new Response(null, { status: 204 }))).toBeNull();
  });
});

describe('streamByteSource', () => {
  it('cancels the stream with the reason, and a pending read ends', async () => {
    let reason: unknown;
    const source = streamByteSource(
      new ReadableStream<Uint8Array>({
        cancel(why) {
          reason = why;
        },
      }),
    );
    const pending = source.read();
    source.cancel('gone');
    expect(await pending).toBeNull();
    expect(reason).toBe('gone');
  });
});
