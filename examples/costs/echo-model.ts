/**
 * A stand-in for a vLLM server, so the costs example runs on a laptop: an OpenAI-compatible
 * `POST /v1/chat/completions` that echoes the question, counting one token per word, with usage.
 *
 *   npx tsx examples/costs/echo-model.ts        # listens on 127.0.0.1:8100
 */
import { createServer } from 'node:http';

const PORT = Number(process.env.ECHO_PORT ?? 8100);

interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  stream?: boolean;
  max_tokens?: number;
}

const server = createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
    return;
  }
  let raw = '';
  for await (const chunk of req) raw += chunk;
  const body = JSON.parse(raw) as ChatBody;
  const question = body.messages.at(-1)?.content ?? '';
  const words = `You asked: ${question}`.split(/\s+/).slice(0, body.max_tokens ?? 256);
  const usage = {
    prompt_tokens: body.messages.reduce((sum, m) => sum + 4 + m.content.split(/\s+/).length, 3),
    completion_tokens: words.length,
  };
  const totals = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
  const head = { id: `chatcmpl-${Date.now()}`, created: Math.floor(Date.now() / 1000), model: body.model };
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        ...head,
        object: 'chat.completion',
        choices: [
          { index: 0, message: { role: 'assistant', content: words.join(' ') }, finish_reason: 'stop' },
        ],
        usage: totals,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    send({ ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
  chunk({ role: 'assistant', content: '' });
  for (const [i, word] of words.entries()) chunk({ content: i === 0 ? word : ` ${word}` });
  chunk({}, 'stop');
  send({ ...head, object: 'chat.completion.chunk', choices: [], usage: totals });
  res.end('data: [DONE]\n\n');
});

server.listen(PORT, '127.0.0.1', () => console.log(`echo model on http://127.0.0.1:${PORT}/v1`));
