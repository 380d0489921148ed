import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpResponse, http as mswHttp } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ByteSource, byteSourceOf } from '../core/byte-source.js';
import { createNodeUpstreamFetch } from './node-upstream-fetch.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

let handler: Handler = (_req, res) => res.end();
const server = http.createServer((req, res) => handler(req, res));
let base = '';
const upstreamFetch = createNodeUpstreamFetch();

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  handler = (_req, res) => res.end();
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
});

async function readBody(req: http.IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

describe('createNodeUpstreamFetch', () => {
  it('round-trips a JSON POST with method, headers and body', async () => {
    handler = async (req, res) => {
      const body = await readBody(req);
      res.writeHead(200, { 'content-type': 'application/json', 'x-seen': req.headers.authorization ?? '' });
      res.end(JSON.stringify({ method: req.method, url: req.url, body: JSON.parse(body) }));
    };
    const response = await upstreamFetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', authorization: 'Bearer k' },
      body: JSON.stringify({ hello: 'wörld' }),
    });
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.headers.get('x-seen')).toBe('Bearer k');
    expect(await response.json()).toEqual({
      method: 'POST',
      url: '/v1/chat/completions',
      body: { hello: 'wörld' },
    });
  });

  it('streams the body: chunks arrive before the response ends', async () => {
    let finish: () => void = () => {};
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      finish = () => res.end('data: [DONE]\n\n');
    };
    const response = await upstreamFetch(`${base}/stream`, { method: 'POST', body: '{}' });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: one\n\n');
    finish();
    let rest = '';
    for (let part = await reader.read(); !part.done; part = await reader.read())
      rest += new TextDecoder().decode(part.value);
    expect(rest).toBe('data: [DONE]\n\n');
  });

  it('rejects with the signal reason when aborted before the headers', async () => {
    let arrived: () => void = () => {};
    const requestSeen = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    handler = () => arrived(); // never answers
    const controller = new AbortController();
    const pending = upstreamFetch(`${base}/slow`, { method: 'POST', body: '{}', signal: controller.signal });
    await requestSeen;
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
  });

  it('rejects at once when the signal is already aborted', async () => {
    await expect(
      upstreamFetch(`${base}/x`, { signal: AbortSignal.abort(new Error('early')) }),
    ).rejects.toThrow('early');
  });

  it('errors the body stream when aborted mid-body, and the server sees the connection close', async () => {
    let serverClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      serverClosed = resolve;
    });
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      res.on('close', () => serverClosed());
    };
    const controller = new AbortController();
    const response = await upstreamFetch(`${base}/stream`, { method: 'POST', signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort(new Error('stop streaming'));
    await expect(reader.read()).rejects.toThrow('stop streaming');
    await closed;
  });

  it('errors the body stream when the server cuts the connection mid-body', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n', () => setTimeout(() => res.destroy(), 10));
    };
    const response = await upstreamFetch(`${base}/cut`, { method: 'POST' });
    await expect(response.text()).rejects.toThrow(TypeError);
  });

  it('rejects text() with the signal reason when aborted mid-body', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    };
    const controller = new AbortController();
    const response = await upstreamFetch(`${base}/half`, { method: 'POST', signal: controller.signal });
    const text = response.text();
    controller.abort(new Error('caller left'));
    await expect(text).rejects.toThrow('caller left');
  });

  it('reports a connection cut before anyone read the body to the first reader', async () => {
    let cut: () => void = () => {};
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
      cut = () => res.destroy();
    };
    const response = await upstreamFetch(`${base}/cut-early`, { method: 'POST' });
    cut();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(response.text()).rejects.toThrow(TypeError);
  });

  it('reads a body once: text() then text() or body is refused or empty, as fetch does', async () => {
    handler = (_req, res) => res.end('once');
    const response = await upstreamFetch(`${base}/once`);
    expect(response.bodyUsed).toBe(false);
    expect(await response.text()).toBe('once');
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(TypeError);

    const streamed = await upstreamFetch(`${base}/once`);
    const reader = (streamed.body as ReadableStream<Uint8Array>).getReader();
    await expect(streamed.arrayBuffer()).rejects.toThrow(TypeError);
    let text = '';
    for (let part = await reader.read(); !part.done; part = await reader.read())
      text += new TextDecoder().decode(part.value);
    expect(text).toBe('once');
  });

  it('reads a body taken as a stream but not yet read with text()', async () => {
    handler = (_req, res) => {
      res.write('{"a":');
      setTimeout(() => res.end('1}'), 5);
    };
    const response = await upstreamFetch(`${base}/late`);
    expect(response.body).not.toBeNull();
    expect(await response.json()).toEqual({ a: 1 });
  });

  it('rejects an invalid URL or a protocol other than http(s) with a TypeError', async () => {
    await expect(upstreamFetch('not a url')).rejects.toThrow(TypeError);
    await expect(upstreamFetch('ftp://127.0.0.1/x')).rejects.toThrow(/unsupported protocol/);
  });

  it('rejects with a TypeError when the connection is refused', async () => {
    const probe = http.createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    probe.close();
    await once(probe, 'close');
    const error = await upstreamFetch(`http://127.0.0.1:${port}/v1`, { method: 'POST', body: '{}' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('passes a non-2xx status through with its body and headers', async () => {
    handler = (_req, res) => {
      res.writeHead(429, 'Too Many Requests', { 'retry-after': '3', 'content-type': 'application/json' });
      res.end('{"error":{"message":"slow down"}}');
    };
    const response = await upstreamFetch(`${base}/limited`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(429);
    expect(response.ok).toBe(false);
    expect(response.statusText).toBe('Too Many Requests');
    expect(response.headers.get('retry-after')).toBe('3');
    expect(await response.text()).toBe('{"error":{"message":"slow down"}}');
  });

  it('gives a 204 a null body', async () => {
    handler = (_req, res) => {
      res.writeHead(204);
      res.end();
    };
    const response = await upstreamFetch(`${base}/empty`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('reuses keep-alive connections', async () => {
    const ports = new Set<number>();
    handler = (req, res) => {
      ports.add(req.socket.remotePort ?? 0);
      res.end('ok');
    };
    for (let i = 0; i < 5; i++) expect(await (await upstreamFetch(`${base}/ka`)).text()).toBe('ok');
    expect(ports.size).toBe(1);
  });

  it('is intercepted by msw node handlers', async () => {
    const msw = setupServer(
      mswHttp.post('http://upstream.test/v1/chat/completions', async ({ request }) =>
        HttpResponse.json({ echoed: await request.json() }, { status: 201 }),
      ),
    );
    msw.listen({ onUnhandledRequest: 'error' });
    try {
      const response = await upstreamFetch('http://upstream.test/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      expect(response.status).toBe(201);
      expect(await response.json()).toEqual({ echoed: { a: 1 } });
    } finally {
      msw.close();
    }
  });
});

describe('createNodeUpstreamFetch, the body as a ByteSource', () => {
  const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));
  const source = (response: Response) => byteSourceOf(response) as ByteSource;

  it('hands over each arrival, everything that arrived since the last read at once, then null', async () => {
    const writes: Array<() => void> = [];
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('one;');
      writes.push(
        () => res.write('two;'),
        () => res.write('three;'),
        () => res.end('four;'),
      );
    };
    const response = await upstreamFetch(`${base}/bytes`, { method: 'POST', body: '{}' });
    const body = source(response);
    expect(response.bodyUsed).toBe(true);
    expect(text(await body.read())).toBe('one;');
    const pending = body.read();
    writes.shift()?.();
    expect(text(await pending)).toBe('two;');
    writes.shift()?.();
    writes.shift()?.();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(text(await body.read())).toBe('three;four;');
    expect(await body.read()).toBeNull();
    expect(await body.read()).toBeNull();
  });

  it('leaves the connection of a body read to its end to keep-alive', async () => {
    const ports = new Set<number>();
    handler = (req, res) => {
      ports.add(req.socket.remotePort ?? 0);
      res.end('data: x\n\n');
    };
    for (let i = 0; i < 3; i++) {
      const body = source(await upstreamFetch(`${base}/ka-bytes`));
      let all = '';
      for (let bytes = await body.read(); bytes !== null; bytes = await body.read()) all += text(bytes);
      expect(all).toBe('data: x\n\n');
    }
    expect(ports.size).toBe(1);
  });

  it('rejects a pending read with the signal reason when aborted, and the server sees the connection close', async () => {
    let serverClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      serverClosed = resolve;
    });
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('one');
      res.on('close', () => serverClosed());
    };
    const controller = new AbortController();
    const body = source(await upstreamFetch(`${base}/abort-bytes`, { signal: controller.signal }));
    expect(text(await body.read())).toBe('one');
    const pending = body.read();
    controller.abort(new Error('stop reading'));
    await expect(pending).rejects.toThrow('stop reading');
    await expect(body.read()).rejects.toThrow('stop reading');
    await closed;
  });

  it('settles a pending read with null on cancel, and closes the connection', async () => {
    let serverClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      serverClosed = resolve;
    });
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('one');
      res.on('close', () => serverClosed());
    };
    const body = source(await upstreamFetch(`${base}/cancel-bytes`));
    expect(text(await body.read())).toBe('one');
    const pending = body.read();
    body.cancel();
    expect(await pending).toBeNull();
    expect(await body.read()).toBeNull();
    await closed;
  });

  it('rejects with a TypeError when the server cuts the connection mid-body', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('one', () => setTimeout(() => res.destroy(), 10));
    };
    const body = source(await upstreamFetch(`${base}/cut-bytes`));
    expect(text(await body.read())).toBe('one');
    await expect(body.read()).rejects.toThrow(TypeError);
  });

  it('pauses the socket while nobody reads and resumes on the next read', async () => {
    const piece = 'x'.repeat(16 * 1024);
    const pieces = 40; // 640 KiB, well past what the source holds before it pauses
    handler = (_req, res) => {
      res.writeHead(200);
      let sent = 0;
      const more = () => {
        while (sent < pieces) {
          sent++;
          if (!res.write(piece)) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    };
    const body = source(await upstreamFetch(`${base}/big`));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const first = await body.read();
    expect(first?.byteLength).toBeLessThan(pieces * piece.length);
    let total = first?.byteLength ?? 0;
    for (let bytes = await body.read(); bytes !== null; bytes = await body.read()) total += bytes.byteLength;
    expect(total).toBe(pieces * piece.length);
  });

  it('is refused once the body was read another way, and gives a null-body response none', async () => {
    handler = (_req, res) => res.end('once');
    const response = await upstreamFetch(`${base}/once-bytes`);
    expect(await response.text()).toBe('once');
    expect(() => byteSourceOf(response)).toThrow(TypeError);
    handler = (_req, res) => {
      res.writeHead(204);
      res.end();
    };
    expect(byteSourceOf(await upstreamFetch(`${base}/none`))).toBeNull();
  });
});
