import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import '../../context.js';
import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { Logger } from '../../ports/logger.js';
import { handleError } from '../errors/index.js';
import { requestId } from '../request-id/index.js';
import { accessLog } from './index.js';

describe('accessLog', () => {
  it('logs each request with its status, duration and request id, at a level by status', async () => {
    const lines: { level: string; fields: Record<string, unknown> }[] = [];
    const record = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
      if (msg === 'request') lines.push({ level, fields: fields ?? {} });
    };
    const logger: Logger = {
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    };
    const app = new Hono();
    app.use('*', requestId);
    app.use('*', async (c, next) => {
      c.set('deps', { logger } as AppDeps);
      await next();
    });
    app.use('*', accessLog);
    app.get('/ok', (c) => c.text('ok'));
    app.get('/bad', (c) => c.text('no', 400));
    app.get('/boom', () => {
      throw new ApiError('EMBEDDER_UNAVAILABLE', 'no model');
    });
    app.onError(handleError);

    const ok = await app.request('/ok');
    await app.request('/bad');
    await app.request('/boom');
    expect(lines.map((l) => [l.level, l.fields.path, l.fields.status])).toEqual([
      ['info', '/ok', 200],
      ['warn', '/bad', 400],
      ['error', '/boom', 503],
    ]);
    expect(lines[0]?.fields.requestId).toBe(ok.headers.get('x-request-id'));
    expect(lines[0]?.fields.ms).toEqual(expect.any(Number));
  });
});
