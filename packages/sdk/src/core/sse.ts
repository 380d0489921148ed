/** One server-sent event: `event` is `message` when the stream did not name it. */
export interface ServerSentEvent {
  event: string;
  data: string;
}

/**
 * Reads a `text/event-stream` body as events, per the SSE spec's parsing rules: CRLF, CR or LF line
 * ends, `:` comments skipped, several `data:` lines joined with `\n`, one optional space after the
 * colon dropped, an event dispatched at a blank line (a last event cut before its blank line is not).
 * Breaking out of the loop cancels the body.
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let finished = false;
  const line = (text: string): ServerSentEvent | undefined => {
    if (text === '') {
      if (data.length === 0) {
        event = '';
        return undefined;
      }
      const dispatched = { event: event || 'message', data: data.join('\n') };
      event = '';
      data = [];
      return dispatched;
    }
    if (text.startsWith(':')) return undefined;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    return undefined;
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      // A CR at the very end may be the first half of a CRLF: keep it until more arrives.
      for (let end = lineEnd(buffer, done); end !== -1; end = lineEnd(buffer, done)) {
        const text = buffer.slice(0, end);
        const width = buffer[end] === '\r' && buffer[end + 1] === '\n' ? 2 : 1;
        buffer = buffer.slice(end + width);
        const dispatched = line(text);
        if (dispatched) yield dispatched;
      }
      if (done) break;
    }
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

function lineEnd(buffer: string, done: boolean): number {
  for (let i = 0; i < buffer.length; i++) {
    const char = buffer[i];
    if (char === '\n') return i;
    if (char === '\r') return i + 1 < buffer.length || done ? i : -1;
  }
  return -1;
}
