import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import '../../context.js';
import { requestId } from './index.js';

function app() {
  const made: Response[] = [];
  const hono = new Hono();
  hono.use('*', requestId);
  hono.get('/json', (c) => {
    const res = c.json({ id: c.get('requestId') });
    made.push(res);
    return res;
  });
  hono.get('/raw', () => new Response('raw'));
  return { hono, made };
}

describe('requestId', () => {
  it('makes an id, exposes it to handlers and sends it once', async () => {
    const { hono } = app();
    const res = await hono.request('/json');
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(await res.json()).toEqual({ id });
  });

  it('keeps a well-formed caller id and replaces a malformed one', async () => {
    const { hono } = app();
    const kept = await hono.request('/json', { headers: { 'x-request-id': 'trace-1234.abc:9' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-1234.abc:9');
    const replaced = await hono.request('/json', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('leaves a response that already carries the id as it is (no rebuilt response)', async () => {
    const { hono, made } = app();
    const res = await hono.request('/json');
    expect(res).toBe(made[0]);
  });

  it("adds the id to a handler's own Response", async () => {
    const { hono } = app();
    const res = await hono.request('/raw', { headers: { 'x-request-id': 'trace-raw-0001' } });
    expect(res.headers.get('x-request-id')).toBe('trace-raw-0001');
    expect(await res.text()).toBe('raw');
  });
});
