/**
 * A response body read piece by piece without a web stream. On Node, the gateway's upstream fetch
 * (runtime/node-upstream-fetch.ts) offers one straight from the socket; elsewhere `byteSourceOf` reads
 * `response.body` through a reader. A stream of SSE chunks then costs one promise per socket read instead
 * of a web ReadableStream per response and its per-chunk machinery.
 */
export interface ByteSource {
  /**
   * Everything that arrived since the last call, however many socket reads that was (waits when
   * nothing has); null once the body ended. Rejects when the body fails. One call at a time.
   */
  read(): Promise<Uint8Array | null>;
  /** Stops reading and releases the connection; a pending `read` settles (as an end or a failure). */
  cancel(reason?: unknown): void;
}

/** The method a Response-shaped object offers to hand over its body as a ByteSource (once). */
export const BYTE_SOURCE: unique symbol = Symbol.for('ragline.byteSource');

interface WithByteSource {
  [BYTE_SOURCE](): ByteSource | null;
}

/** The response's body as a ByteSource: the response's own where it offers one, else its web stream's. */
export function byteSourceOf(response: Response): ByteSource | null {
  const own = (response as unknown as Partial<WithByteSource>)[BYTE_SOURCE];
  if (typeof own === 'function') return own.call(response);
  return response.body ? streamByteSource(response.body) : null;
}

/** A ByteSource over a web stream (one stream chunk per read). */
export function streamByteSource(body: ReadableStream<Uint8Array>): ByteSource {
  const reader = body.getReader();
  return {
    read: () => reader.read().then((part) => (part.done ? null : part.value)),
    // The cancel promise is not awaited: with some fetch implementations it never settles.
    cancel: (reason) => void reader.cancel(reason).catch(() => {}),
  };
}
