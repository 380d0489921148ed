/**
 * A vLLM-like upstream on loopback: `POST /v1/chat/completions` answers after fixed delays, as JSON or as
 * SSE (a role chunk, N content chunks, a usage chunk when `stream_options.include_usage`, `[DONE]`).
 * Run as its own process by the gateway benchmark (so its event loop never shares time with the load
 * generator's timers); it prints `listening <port>` on stdout once ready.
 *
 *   node --import tsx bench/gateway/fake-vllm.ts [--port N] [--first-byte-ms 20] [--chunks 16] [--chunk-ms 2]
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface FakeVllmOptions {
  /** Delay before the first byte of the answer (the JSON body, or the SSE headers and first chunks). */
  firstByteMs: number;
  /** Content chunks in a stream. */
  chunks: number;
  /** Delay between two content chunks. */
  chunkMs: number;
}

export const DEFAULT_FAKE_VLLM: FakeVllmOptions = { firstByteMs: 20, chunks: 16, chunkMs: 2 };

const PROMPT_TOKENS = 12;

export function createFakeVllm(options: FakeVllmOptions): Server {
  let counter = 0;
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"object":"error","message":"Not Found","type":"NotFoundError","param":null,"code":404}');
      return;
    }
    readBody(req).then(
      (raw) => answer(raw, res, options, `chatcmpl-bench${++counter}`),
      () => res.destroy(),
    );
  });
  // Longer than the gateways' keep-alive so a pooled connection is never closed under them.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  return server;
}

function answer(raw: string, res: ServerResponse, options: FakeVllmOptions, id: string): void {
  let body: { model?: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
  try {
    body = JSON.parse(raw);
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end('{"object":"error","message":"invalid JSON","type":"BadRequestError","param":null,"code":400}');
    return;
  }
  const model = body.model ?? 'bench-model';
  const created = Math.floor(Date.now() / 1000);
  const usage = {
    prompt_tokens: PROMPT_TOKENS,
    completion_tokens: options.chunks,
    total_tokens: PROMPT_TOKENS + options.chunks,
  };
  let closed = false;
  res.on('close', () => {
    closed = true;
  });

  if (body.stream !== true) {
    setTimeout(() => {
      if (closed) return;
      const completion = {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: words(options.chunks), tool_calls: [] },
            logprobs: null,
            finish_reason: 'length',
            stop_reason: null,
          },
        ],
        usage,
        prompt_logprobs: null,
      };
      const json = JSON.stringify(completion);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      res.end(json);
    }, options.firstByteMs);
    return;
  }

  const chunk = (delta: Record<string, string>, finish: string | null) =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    })}\n\n`;
  let sent = 0;
  const next = () => {
    if (closed) return;
    sent++;
    const last = sent === options.chunks;
    res.write(chunk({ content: `w${sent} ` }, last ? 'length' : null));
    if (!last) {
      setTimeout(next, options.chunkMs);
      return;
    }
    if (body.stream_options?.include_usage === true) {
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`,
      );
    }
    res.end('data: [DONE]\n\n');
  };
  setTimeout(() => {
    if (closed) return;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    // vLLM sends the role in a chunk of its own, then the tokens.
    res.write(chunk({ role: 'assistant', content: '' }, null));
    next();
  }, options.firstByteMs);
}

function words(n: number): string {
  return Array.from({ length: n }, (_, i) => `w${i + 1} `).join('');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const server = createFakeVllm({
    firstByteMs: flag(args, 'first-byte-ms', DEFAULT_FAKE_VLLM.firstByteMs),
    chunks: flag(args, 'chunks', DEFAULT_FAKE_VLLM.chunks),
    chunkMs: flag(args, 'chunk-ms', DEFAULT_FAKE_VLLM.chunkMs),
  });
  server.listen(flag(args, 'port', 0), '127.0.0.1', () => {
    process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
