import type { ErrorEnvelope } from '@ragline/sdk/contracts';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError } from '../../core/api-error.js';

/** The single place where thrown errors become `{"error": {code, message, requestId}}`. */
export function handleError(err: Error, c: Context): Response {
  const requestId = c.get('requestId') ?? 'unknown';
  const apiError = toApiError(err);
  if (apiError.status >= 500) {
    c.get('deps')?.logger.error('request failed', {
      requestId,
      code: apiError.code,
      error: err.message,
      cause: err.cause instanceof Error ? err.cause.message : undefined,
      stack: err.stack,
    });
  }
  const body: ErrorEnvelope = {
    error: {
      code: apiError.code,
      message: apiError.message,
      requestId,
      ...(apiError.details === undefined ? {} : { details: apiError.details }),
    },
  };
  for (const [name, value] of Object.entries(apiError.headers)) c.header(name, value);
  c.header('x-request-id', requestId);
  return c.json(body, apiError.status as ContentfulStatusCode);
}

export function handleNotFound(c: Context): Response {
  return handleError(new ApiError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`), c);
}

function toApiError(err: Error): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return new ApiError('PAYLOAD_TOO_LARGE', err.message || 'request body too large');
    if (err.status === 400) return new ApiError('INVALID_REQUEST', err.message || 'bad request');
  }
  return new ApiError('INTERNAL', 'internal error', { cause: err });
}
