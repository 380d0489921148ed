import { createMiddleware } from 'hono/factory';

/** One log line per request: method, path, status, duration and the request id to find it again. */
export const accessLog = createMiddleware(async (c, next) => {
  const started = performance.now();
  await next();
  const status = c.res.status;
  const fields = {
    requestId: c.get('requestId'),
    method: c.req.method,
    path: c.req.path,
    status,
    ms: Math.round((performance.now() - started) * 10) / 10,
    tenant: c.get('principal')?.tenantId,
  };
  const logger = c.get('deps').logger;
  if (status >= 500) logger.error('request', fields);
  else if (status >= 400) logger.warn('request', fields);
  else logger.info('request', fields);
});
