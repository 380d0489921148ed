/**
 * An OpenAI-compatible upstream on loopback for the eval benchmark: `POST /v1/chat/completions` answers
 * after a fixed delay with "The answer is N." padded to a fixed size, where N is the number in the user
 * message. Run as its own process (so its timers and memory never mix with the runner's); it prints
 * `listening <port>` once ready.
 *
 *   node --import tsx bench/eval/chat-upstream.ts [--latency-ms 50] [--answer-bytes 2048]
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export interface ChatUpstreamOptions {
  latencyMs: number;
  /** Size of each answer's content; the padding is words, so token-based metrics see real text. */
  answerBytes: number;
}

export function createChatUpstream(options: ChatUpstreamOptions): Server {
  const padding = ' lorem'.repeat(Math.ceil(options.answerBytes / 6));
  let counter = 0;
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"not found"}}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        model: string;
        messages: { content: string }[];
      };
      const question = body.messages.at(-1)?.content ?? '';
      const head = `The answer is ${/(\d+)/.exec(question)?.[1] ?? '?'}.`;
      const content = (head + padding).slice(0, Math.max(head.length, options.answerBytes));
      counter += 1;
      const reply = JSON.stringify({
        id: `chatcmpl-${counter}`,
        object: 'chat.completion',
        model: body.model,
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
      });
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(reply);
      }, options.latencyMs);
    });
  });
  server.keepAliveTimeout = 120_000;
  return server;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      'latency-ms': { type: 'string', default: '50' },
      'answer-bytes': { type: 'string', default: '2048' },
    },
  });
  const server = createChatUpstream({
    latencyMs: Number(values['latency-ms']),
    answerBytes: Number(values['answer-bytes']),
  });
  server.listen(0, '127.0.0.1', () => {
    console.log(`listening ${(server.address() as AddressInfo).port}`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
