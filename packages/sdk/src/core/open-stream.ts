import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIResponseValidationError,
  APIUserAbortError,
} from './errors.js';
import {
  type ApiRequest,
  buildHeaders,
  buildURL,
  errorFromResponse,
  type RequestConfig,
  type RequestOptions,
} from './request.js';
import { isRetryableStatus, retryAfterMs, retryDelayMs } from './retry.js';

/** A 2xx response whose body is still unread (a stream), and how to stop listening to the caller's signal. */
export interface OpenedStream {
  response: Response;
  body: ReadableStream<Uint8Array>;
  /** Call when done reading: detaches the caller's signal. */
  release(): void;
}

export type StreamOpener = (request: ApiRequest<never>, options?: RequestOptions) => Promise<OpenedStream>;

/**
 * Opens a streamed response (`text/event-stream`). Failures before the response (connection errors,
 * 408/409/429/5xx) are retried like any call, under the same idempotency key; the timeout covers the
 * wait for the response headers only, since an answer may stream for longer. The caller's signal
 * aborts the request and the body at any time.
 */
export function createStreamOpener(config: RequestConfig): StreamOpener {
  const baseURL = config.baseURL.replace(/\/+$/, '');
  return async (req, options = {}) => {
    const maxRetries = options.maxRetries ?? config.maxRetries;
    const timeout = options.timeout ?? config.timeout;
    const url = buildURL(baseURL, req.path, req.query);
    const headers = buildHeaders(config, { ...req, accept: 'text/event-stream' }, options);
    const body = req.json !== undefined ? JSON.stringify(req.json) : req.body;
    const { signal } = options;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new APIUserAbortError(undefined, { cause: signal.reason });
      const controller = new AbortController();
      const onUserAbort = () => controller.abort(signal?.reason);
      signal?.addEventListener('abort', onUserAbort, { once: true });
      const release = () => signal?.removeEventListener('abort', onUserAbort);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeout);
      let response: Response;
      try {
        response = await config.fetch(url, { method: req.method, headers, body, signal: controller.signal });
      } catch (cause) {
        release();
        if (signal?.aborted) throw new APIUserAbortError(undefined, { cause });
        const error = timedOut
          ? new APIConnectionTimeoutError(`Request timed out after ${timeout} ms.`, { cause })
          : new APIConnectionError(
              `Connection error: ${cause instanceof Error ? cause.message : String(cause)}`,
              {
                cause,
              },
            );
        if (attempt >= maxRetries) throw error;
        await config.sleep(retryDelayMs(attempt, undefined), signal);
        continue;
      } finally {
        clearTimeout(timer);
      }
      if (response.ok) {
        if (response.body) return { response, body: response.body, release };
        release();
        throw new APIResponseValidationError({
          message: `Expected a streamed response body (status ${response.status}), got none`,
          status: response.status,
          requestId: response.headers.get('x-request-id'),
          body: null,
        });
      }
      const text = await response.text().catch(() => '');
      release();
      const error = errorFromResponse(response, text, response.headers.get('x-request-id'));
      if (!isRetryableStatus(response.status, error.code) || attempt >= maxRetries) throw error;
      await config.sleep(retryDelayMs(attempt, retryAfterMs(response.headers)), signal);
    }
  };
}
