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
  c.header('x-request-id', id);
});
