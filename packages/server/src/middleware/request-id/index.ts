import { createMiddleware } from 'hono/factory';

const INCOMING = /^[A-Za-z0-9._:-]{8,128}$/;

/** Accepts a well-formed caller `x-request-id` (for tracing across hops) or makes one. */
export const requestId = createMiddleware(async (c, next) => {
  const incoming = c.req.header('x-request-id');
  const id =
    incoming && INCOMING.test(incoming) ? incoming : `req_${crypto.randomUUID().replaceAll('-', '')}`;
  c.set('requestId', id);
  c.header('x-request-id', id);
  await next();
  // Responses made with c.json/c.body (and the error handler's) already carry the header. Setting it
  // again on a finished response makes Hono rebuild the response (on Node, a full web Response with a
  // body stream instead of @hono/node-server's fast path), so only a handler's own `new Response` pays.
  if (c.res.headers.get('x-request-id') !== id) c.header('x-request-id', id);
});
