import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { BYTE_SOURCE, type ByteSource, streamByteSource } from '../core/byte-source.js';

export interface NodeUpstreamFetchOptions {
  /** Per origin, per protocol. Default 256. */
  maxSockets?: number;
}

/**
 * A `fetch` for the gateway's upstream calls on Node, on node:http/node:https with keep-alive agents.
 * Node's built-in fetch costs about 3x the CPU per upstream POST (bench/README.md, "Gateway").
 *
 * Covers what the chat-model adapters and the health scraper use: a string or URL, method, headers, a
 * string or bytes body and a signal. Anything else (a Request input, a stream or form body) goes to
 * globalThis.fetch. The answer is Response-shaped but not a web Response (see UpstreamResponse): the
 * body is read straight from the socket by `text()`/`json()`, and becomes a web stream only when
 * `body` is read, which saves a stream and a Response per call; `byteSourceOf(response)` (core/byte-source.ts)
 * reads it with no web stream at all. Unlike fetch it follows no redirects and
 * asks for no compression (`accept-encoding: identity` unless the caller sets one). `http.request` is
 * looked up at call time, so msw's node interceptors see these requests.
 */
export function createNodeUpstreamFetch(options: NodeUpstreamFetchOptions = {}): typeof fetch {
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets ?? 256,
    scheduling: 'lifo',
  } as const;
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const targets = createTargetCache();

  const upstreamFetch = (input: string | URL, init: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      const body = init.body as string | Uint8Array | null | undefined;
      const signal = init.signal ?? undefined;
      let target: Target;
      try {
        target = targets.get(input);
      } catch (error) {
        reject(error);
        return;
      }
      const headers = toHeaderRecord(init.headers);
      if (headers['accept-encoding'] === undefined) headers['accept-encoding'] = 'identity';
      if (body != null) headers['content-length'] = String(Buffer.byteLength(body));

      // Set once the response has headers: errors after that go to the body.
      let fail: ((error: unknown) => void) | undefined;
      const onAbort = () => {
        const reason = signal?.reason;
        request.destroy();
        if (fail) fail(reason);
        else reject(reason);
      };
      const cleanup = () => signal?.removeEventListener('abort', onAbort);

      const request = (target.secure ? https : http).request(
        {
          ...target.options,
          method: init.method ?? 'GET',
          headers,
          agent: target.secure ? httpsAgent : httpAgent,
        },
        (response) => {
          const status = response.statusCode ?? 0;
          const nullBody = status === 204 || status === 205 || status === 304;
          const source = new NodeBodySource(response, request, cleanup);
          fail = source.fail;
          if (nullBody) source.cancel();
          resolve(
            new UpstreamResponse(
              status,
              response.statusMessage ?? '',
              response.rawHeaders,
              target.href,
              nullBody ? null : source,
            ) as unknown as Response,
          );
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

  return (input, init = {}) => {
    const body = init.body;
    if (
      !(typeof input === 'string' || input instanceof URL) ||
      !(body == null || typeof body === 'string' || body instanceof Uint8Array)
    )
      return globalThis.fetch(input, init);
    if (init.signal?.aborted) return Promise.reject(init.signal.reason);
    return upstreamFetch(input, init);
  };
}

interface Target {
  secure: boolean;
  href: string;
  /** host, port, path... as http.request takes them. */
  options: http.RequestOptions;
}

const MAX_CACHED_TARGETS = 1024;

/** Parsed request targets by URL string: a gateway calls a few URLs over and over. */
function createTargetCache(): { get(input: string | URL): Target } {
  const cache = new Map<string, Target>();
  const parse = (input: string | URL): Target => {
    let url: URL;
    try {
      url = input instanceof URL ? input : new URL(input);
    } catch (error) {
      throw new TypeError(`invalid URL: ${String(input)}`, { cause: error });
    }
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') throw new TypeError(`unsupported protocol: ${url.protocol}`);
    return { secure, href: url.href, options: urlToHttpOptions(url) };
  };
  return {
    get(input) {
      if (typeof input !== 'string') return parse(input);
      let target = cache.get(input);
      if (!target) {
        target = parse(input);
        if (cache.size >= MAX_CACHED_TARGETS) cache.clear();
        cache.set(input, target);
      }
      return target;
    },
  };
}

/** Socket bytes a ByteSource holds before it pauses the socket until the next read. */
const BYTE_SOURCE_HIGH_WATER = 64 * 1024;

/**
 * One response body on the socket, read once: whole (`readAll`), piece by piece (`bytes`, what the
 * gateway's stream adapters use; no web stream at all) or as a web stream (`stream`, for `body`). The
 * last two pause the socket while nobody reads. A failure (abort, a cut connection) before anyone
 * reads is kept and reported to whichever comes.
 */
class NodeBodySource {
  #done = false;
  #failure: { error: unknown } | undefined;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** The reader waiting in `readAll` or `bytes`, told of a failure. */
  #onFailure: ((error: unknown) => void) | undefined;

  constructor(
    private readonly response: http.IncomingMessage,
    private readonly request: http.ClientRequest,
    private readonly cleanup: () => void,
  ) {
    // 'close' also follows every complete body: build no error (a stack trace each) after a clean end.
    response.on('error', (error) => {
      if (!this.#done) this.fail(new TypeError('terminated', { cause: error }));
    });
    response.on('close', () => {
      if (!this.#done) this.fail(new TypeError('terminated: the connection closed mid-body'));
    });
  }

  #finish(): void {
    this.#done = true;
    this.cleanup();
  }

  readonly fail = (error: unknown): void => {
    if (this.#done) return;
    this.#finish();
    this.#failure = { error };
    this.#controller?.error(error);
    this.#onFailure?.(error);
    this.response.destroy();
  };

  cancel(): void {
    if (!this.#done) this.#finish();
    this.request.destroy();
  }

  readAll(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.#failure) {
        reject(this.#failure.error);
        return;
      }
      this.#onFailure = reject;
      const chunks: Buffer[] = [];
      this.response.on('data', (chunk: Buffer) => chunks.push(chunk));
      this.response.on('end', () => {
        if (this.#done) return;
        this.#finish();
        resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
      });
    });
  }

  bytes(): ByteSource {
    const { response } = this;
    let chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    let waiting:
      | { resolve: (bytes: Uint8Array | null) => void; reject: (error: unknown) => void }
      | undefined;
    const take = (): Uint8Array => {
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      chunks = [];
      size = 0;
      if (response.isPaused()) response.resume();
      return bytes;
    };
    const settle = (bytes: Uint8Array | null) => {
      const reader = waiting;
      waiting = undefined;
      reader?.resolve(bytes);
    };
    this.#onFailure = (error) => {
      const reader = waiting;
      waiting = undefined;
      reader?.reject(error);
    };
    response.on('data', (chunk: Buffer) => {
      if (this.#done) return;
      if (waiting) {
        settle(chunk);
        return;
      }
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size >= BYTE_SOURCE_HIGH_WATER) response.pause();
    });
    response.on('end', () => {
      if (this.#done) return;
      this.#finish();
      ended = true;
      settle(null);
    });
    return {
      read: () => {
        // As a web stream does, a failure drops what was received but not read yet.
        if (this.#failure) return Promise.reject(this.#failure.error);
        if (chunks.length > 0) return Promise.resolve(take());
        if (ended || this.#done) return Promise.resolve(null);
        return new Promise((resolve, reject) => {
          waiting = { resolve, reject };
        });
      },
      cancel: () => {
        chunks = [];
        if (!ended) this.cancel();
        settle(null);
      },
    };
  }

  stream(): ReadableStream<Uint8Array> {
    const { response } = this;
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        if (this.#failure) {
          controller.error(this.#failure.error);
          return;
        }
        this.#controller = controller;
        response.on('data', (chunk: Buffer) => {
          if (this.#done) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 1) <= 0) response.pause();
        });
        response.on('end', () => {
          if (this.#done) return;
          this.#finish();
          controller.close();
        });
      },
      pull() {
        response.resume();
      },
      cancel: () => this.cancel(),
    });
  }
}

/**
 * The Response-shaped answer: status, statusText, ok, headers, url, redirected, type, body, bodyUsed,
 * text, json, arrayBuffer and bytes behave as fetch's. `body` turns the rest of the body into a web
 * stream; `text()` and the other readers read the socket directly. `clone`, `blob` and `formData` are not
 * offered (no caller needs them); `instanceof Response` is false.
 */
class UpstreamResponse {
  readonly ok: boolean;
  readonly redirected = false;
  readonly type = 'basic';
  #headers: Headers | undefined;
  #source: NodeBodySource | null;
  #stream: ReadableStream<Uint8Array> | undefined;
  #used = false;

  constructor(
    readonly status: number,
    readonly statusText: string,
    private readonly rawHeaders: string[],
    readonly url: string,
    source: NodeBodySource | null,
  ) {
    this.ok = status >= 200 && status < 300;
    this.#source = source;
  }

  get headers(): Headers {
    if (!this.#headers) {
      const headers = new Headers();
      const raw = this.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
      this.#headers = headers;
    }
    return this.#headers;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (!this.#source) return null;
    if (!this.#stream) {
      if (this.#used) this.#stream = new ReadableStream({ start: (c) => c.close() });
      else this.#stream = this.#source.stream();
    }
    return this.#stream;
  }

  /** The body as a ByteSource (see core/byte-source.ts): the socket's bytes without a web stream. */
  [BYTE_SOURCE](): ByteSource | null {
    if (!this.#source) return null;
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    if (this.#stream) return streamByteSource(this.#stream);
    this.#used = true;
    return this.#source.bytes();
  }

  get bodyUsed(): boolean {
    return this.#used || (this.#stream?.locked ?? false);
  }

  async bytes(): Promise<Uint8Array> {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    if (!this.#source) return new Uint8Array(0);
    if (this.#stream) return readStream(this.#stream);
    const buffer = await this.#source.readAll();
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

async function readStream(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let part = await reader.read(); !part.done; part = await reader.read()) chunks.push(part.value);
  return Buffer.concat(chunks);
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
