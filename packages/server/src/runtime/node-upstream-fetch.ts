import http from 'node:http';
import https from 'node:https';

export interface NodeUpstreamFetchOptions {
  /** Per origin, per protocol. Default 256. */
  maxSockets?: number;
}

/**
 * A `fetch` for the gateway's upstream calls on Node, on node:http/node:https with keep-alive agents.
 * Node's built-in fetch costs about 3x the CPU per upstream POST (bench/README.md, "Gateway").
 *
 * Covers what the chat-model adapters use: a string or URL, method, headers, a string or bytes body and
 * a signal; the Response is a real one whose body streams as it arrives. Anything else (a Request input,
 * a stream or form body) goes to globalThis.fetch. Unlike fetch it follows no redirects and asks for no
 * compression (`accept-encoding: identity` unless the caller sets one). `http.request` is looked up at
 * call time, so msw's node interceptors see these requests.
 */
export function createNodeUpstreamFetch(options: NodeUpstreamFetchOptions = {}): typeof fetch {
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets ?? 256,
    scheduling: 'lifo',
  } as const;
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);

  return (input, init = {}) => {
    const body = init.body;
    if (
      !(typeof input === 'string' || input instanceof URL) ||
      !(body == null || typeof body === 'string' || body instanceof Uint8Array)
    )
      return globalThis.fetch(input, init);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(signal.reason);

    return new Promise<Response>((resolve, reject) => {
      let url: URL;
      try {
        url = input instanceof URL ? input : new URL(input);
      } catch (error) {
        reject(new TypeError(`invalid URL: ${String(input)}`, { cause: error }));
        return;
      }
      const secure = url.protocol === 'https:';
      if (!secure && url.protocol !== 'http:') {
        reject(new TypeError(`unsupported protocol: ${url.protocol}`));
        return;
      }
      const headers = toHeaderRecord(init.headers);
      if (headers['accept-encoding'] === undefined) headers['accept-encoding'] = 'identity';
      if (body != null) headers['content-length'] = String(Buffer.byteLength(body));

      // Set once the response has headers: errors after that go to the body stream.
      let fail: ((error: unknown) => void) | undefined;
      const onAbort = () => {
        const reason = signal?.reason;
        request.destroy();
        if (fail) fail(reason);
        else reject(reason);
      };
      const cleanup = () => signal?.removeEventListener('abort', onAbort);

      const request = (secure ? https : http).request(
        url,
        { method: init.method ?? 'GET', headers, agent: secure ? httpsAgent : httpAgent },
        (response) => {
          const stream = toWebStream(response, request, cleanup);
          fail = stream.fail;
          const status = response.statusCode ?? 0;
          const nullBody = status === 204 || status === 205 || status === 304;
          if (nullBody) stream.body.cancel().catch(() => {});
          try {
            resolve(
              new Response(nullBody ? null : stream.body, {
                status,
                statusText: response.statusMessage ?? '',
                headers: toHeaders(response.rawHeaders),
              }),
            );
          } catch (error) {
            stream.fail(error);
            reject(new TypeError(`unusable response (status ${status})`, { cause: error }));
          }
        },
      );
      request.on('error', (error) => {
        if (signal?.aborted) return;
        if (fail) fail(error);
        else {
          cleanup();
          reject(new TypeError('fetch failed', { cause: error }));
        }
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      request.end(body ?? undefined);
    });
  };
}

/** The response body as a web stream, read as it arrives; pauses the socket while nobody reads. */
function toWebStream(
  response: http.IncomingMessage,
  request: http.ClientRequest,
  cleanup: () => void,
): { body: ReadableStream<Uint8Array>; fail: (error: unknown) => void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let done = false;
  const finish = () => {
    done = true;
    cleanup();
  };
  const fail = (error: unknown) => {
    if (done) return;
    finish();
    controller.error(error);
    response.destroy();
  };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      response.on('data', (chunk: Buffer) => {
        if (done) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) response.pause();
      });
      response.on('end', () => {
        if (done) return;
        finish();
        controller.close();
      });
      response.on('error', (error) => fail(new TypeError('terminated', { cause: error })));
      response.on('close', () => fail(new TypeError('terminated: the connection closed mid-body')));
    },
    pull() {
      response.resume();
    },
    cancel() {
      finish();
      request.destroy();
    },
  });
  return { body, fail };
}

function toHeaderRecord(headers: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  if (headers == null) return record;
  const entries =
    headers instanceof Headers || Array.isArray(headers)
      ? headers
      : Object.entries(headers as Record<string, string>);
  for (const [name, value] of entries as Iterable<[string, string]>) record[name.toLowerCase()] = value;
  return record;
}

function toHeaders(raw: string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  return headers;
}
