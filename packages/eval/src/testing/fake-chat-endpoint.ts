import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeChatEndpoint {
  baseURL: string;
  /** Every request body received, in arrival order. */
  requests: { authorization: string | undefined; body: unknown }[];
  /** Most calls in flight at once. */
  peakInFlight: () => number;
  close: () => Promise<void>;
}

/**
 * An OpenAI-compatible `POST /v1/chat/completions` on 127.0.0.1 that answers each user message with
 * `answer(content)`. A request without a model or a user message gets a 400, as a real server would.
 */
export async function startFakeChatEndpoint(
  answer: (userMessage: string) => string,
): Promise<FakeChatEndpoint> {
  const requests: FakeChatEndpoint['requests'] = [];
  let inFlight = 0;
  let peak = 0;
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => {
      raw += chunk.toString('utf8');
    });
    request.on('end', () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        const reply = (status: number, body: unknown) => {
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end(JSON.stringify(body));
        };
        if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
          reply(404, { error: { message: 'not found' } });
          return;
        }
        let body: { model?: unknown; messages?: { role?: unknown; content?: unknown }[] };
        try {
          body = JSON.parse(raw);
        } catch {
          reply(400, { error: { message: 'body is not JSON' } });
          return;
        }
        requests.push({ authorization: request.headers.authorization, body });
        const user = Array.isArray(body.messages)
          ? body.messages.findLast((m) => m.role === 'user')
          : undefined;
        if (typeof body.model !== 'string' || typeof user?.content !== 'string') {
          reply(400, { error: { message: 'model and a user message are required' } });
          return;
        }
        reply(200, {
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          model: body.model,
          choices: [
            {
              index: 0,
              finish_reason: 'stop',
              message: { role: 'assistant', content: answer(user.content) },
            },
          ],
        });
      }, 2);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    peakInFlight: () => peak,
    close: () =>
      new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
