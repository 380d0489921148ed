import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ChatRequest, type ChatStreamPart, UpstreamError } from '../../ports/chat-model.js';
import { createNodeUpstreamFetch } from '../../runtime/node-upstream-fetch.js';
import { createOpenAICompatibleChatModel } from './openai-compatible-chat-model.js';

const ask: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'What is Qdrant?' }] };

// msw does not show the upstream a closed socket; a real server does.
describe('OpenAI stream parts on the Node upstream fetch, against a real socket', () => {
  let respond: (res: http.ServerResponse) => void = (res) => res.end();
  let closed = 0;
  const upstream = http.createServer((req, res) => {
    req.resume();
    res.on('close', () => {
      if (!res.writableFinished) closed++;
    });
    respond(res);
  });
  let model: ReturnType<typeof createOpenAICompatibleChatModel>;
  beforeAll(async () => {
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const { port } = upstream.address() as AddressInfo;
    model = createOpenAICompatibleChatModel({
      id: 'real',
      kind: 'vllm',
      baseURL: `http://127.0.0.1:${port}/v1`,
      model: 'm',
      fetch: createNodeUpstreamFetch(),
    });
  });
  afterAll(() => {
    upstream.closeAllConnections();
    upstream.close();
  });
  beforeEach(() => {
    closed = 0;
  });

  const frame = (content: string) =>
    `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]}\n\n`;

  it('reassembles frames split anywhere and several frames in one read', async () => {
    respond = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const all = `${frame('a')}${frame('b')}${frame('c')}data: [DONE]\n\n`;
      const cuts = [7, 150, 151, 400, all.length];
      let from = 0;
      const next = () => {
        const to = cuts.shift();
        if (to === undefined) return void res.end();
        res.write(all.slice(from, to));
        from = to;
        setTimeout(next, 5);
      };
      next();
    };
    const parts: ChatStreamPart[] = [];
    for await (const part of await model.stream(ask, { signal: new AbortController().signal }))
      parts.push(part);
    expect(parts.map((p) => (p.type === 'chunk' ? p.chunk.choices[0]?.delta.content : p.type))).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(closed).toBe(0);
  });

  it('closes the upstream connection when the signal aborts mid-stream', async () => {
    respond = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(frame('a'));
    };
    const controller = new AbortController();
    const parts = await model.stream(ask, { signal: controller.signal });
    const iterator = parts[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    const pending = iterator.next();
    controller.abort(new Error('client left'));
    await expect(pending).rejects.toMatchObject({ details: { kind: 'aborted' } });
    await expect.poll(() => closed).toBe(1);
  });

  it('closes the upstream connection when the consumer stops early', async () => {
    respond = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(frame('a') + frame('b'));
    };
    for await (const part of await model.stream(ask, { signal: new AbortController().signal })) {
      expect(part.type).toBe('chunk');
      break;
    }
    await expect.poll(() => closed).toBe(1);
  });

  it('throws "protocol" when the upstream cuts the connection mid-stream', async () => {
    respond = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(frame('a'), () => setTimeout(() => res.destroy(), 5));
    };
    const seen: ChatStreamPart[] = [];
    const error = await (async () => {
      for await (const part of await model.stream(ask, { signal: new AbortController().signal }))
        seen.push(part);
    })().catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).details.kind).toBe('protocol');
    expect((error as UpstreamError).message).toContain('broke off');
  });
});
