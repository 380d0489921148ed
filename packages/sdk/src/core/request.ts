import type { z } from 'zod';
import { errorEnvelopeSchema } from '../contracts/errors.js';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIResponseValidationError,
  APIUserAbortError,
  type RaglineError,
} from './errors.js';
import { isRetryableStatus, retryAfterMs, retryDelayMs, type Sleep } from './retry.js';

/** Per-call options accepted by every SDK method. */
export interface RequestOptions {
  signal?: AbortSignal;
  /** Milliseconds per attempt; overrides the client's `timeout`. */
  timeout?: number;
  maxRetries?: number;
  /** Writes only; generated when absent and reused by every retry of the call. */
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

export interface RequestConfig {
  baseURL: string;
  apiKey: string | undefined;
  fetch: typeof fetch;
  maxRetries: number;
  timeout: number;
  defaultHeaders: Record<string, string>;
  sleep: Sleep;
}

export type QueryParams = Record<string, string | number | boolean | null | undefined>;

export interface ApiRequest<T> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: QueryParams;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (FormData, text); `contentType` is set unless the body is FormData. */
  body?: BodyInit;
  contentType?: string;
  /** Validates the 2xx body; omit for responses without content (204). */
  schema?: z.ZodType<T>;
  /** Sent as Accept instead of application/json; the 2xx body is then returned as text, unparsed. */
  accept?: string;
}

export type Requester = <T>(request: ApiRequest<T>, options?: RequestOptions) => Promise<T>;

type AttemptOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; error: RaglineError; retryable: boolean; hintMs?: number };

export function createRequester(config: RequestConfig): Requester {
  const baseURL = config.baseURL.replace(/\/+$/, '');

  return async function request<T>(req: ApiRequest<T>, options: RequestOptions = {}): Promise<T> {
    const maxRetries = options.maxRetries ?? config.maxRetries;
    const timeout = options.timeout ?? config.timeout;
    const url = buildURL(baseURL, req.path, req.query);
    const headers = buildHeaders(config, req, options);
    const body = req.json !== undefined ? JSON.stringify(req.json) : req.body;

    for (let attempt = 0; ; attempt++) {
      const outcome = await attemptOnce<T>(config.fetch, url, {
        method: req.method,
        headers,
        body,
        schema: req.schema,
        text: req.accept !== undefined,
        timeout,
        signal: options.signal,
      });
      if (outcome.ok) return outcome.value;
      if (!outcome.retryable || attempt >= maxRetries) throw outcome.error;
      await config.sleep(retryDelayMs(attempt, outcome.hintMs), options.signal);
    }
  };
}

async function attemptOnce<T>(
  fetchImpl: typeof fetch,
  url: string,
  init: {
    method: string;
    headers: Headers;
    body: BodyInit | undefined;
    schema: z.ZodType<T> | undefined;
    text: boolean;
    timeout: number;
    signal: AbortSignal | undefined;
  },
): Promise<AttemptOutcome<T>> {
  const { signal } = init;
  if (signal?.aborted) throw new APIUserAbortError(undefined, { cause: signal.reason });

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, init.timeout);
  const onUserAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onUserAbort, { once: true });

  try {
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(url, {
        method: init.method,
        headers: init.headers,
        body: init.body,
        signal: controller.signal,
      });
      // Read the body under the same timeout and signal as the headers.
      text = await response.text();
    } catch (cause) {
      if (signal?.aborted) throw new APIUserAbortError(undefined, { cause });
      const error = timedOut
        ? new APIConnectionTimeoutError(`Request timed out after ${init.timeout} ms.`, { cause })
        : new APIConnectionError(`Connection error: ${describe(cause)}`, { cause });
      return { ok: false, error, retryable: true };
    }

    const requestId = response.headers.get('x-request-id');
    if (!response.ok) {
      const error = errorFromResponse(response, text, requestId);
      return {
        ok: false,
        error,
        retryable: isRetryableStatus(response.status, error.code),
        hintMs: retryAfterMs(response.headers),
      };
    }
    if (init.text) return { ok: true, value: text as T };
    return { ok: true, value: parseBody(init.schema, response.status, text, requestId) };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onUserAbort);
  }
}

function parseBody<T>(
  schema: z.ZodType<T> | undefined,
  status: number,
  text: string,
  requestId: string | null,
): T {
  if (!schema) return undefined as T;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new APIResponseValidationError({
      message: `Expected a JSON response body (status ${status}), got: ${text.slice(0, 200)}`,
      status,
      requestId,
      body: text,
    });
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  throw new APIResponseValidationError({
    message: `Response does not match the expected shape: ${issues}`,
    status,
    requestId,
    body: json,
  });
}

export function errorFromResponse(
  response: Response,
  text: string,
  headerRequestId: string | null,
): APIError {
  let envelope: ReturnType<typeof errorEnvelopeSchema.safeParse> | undefined;
  try {
    envelope = errorEnvelopeSchema.safeParse(JSON.parse(text));
  } catch {
    envelope = undefined;
  }
  if (envelope?.success) {
    const { code, message, requestId, details } = envelope.data.error;
    return APIError.generate({
      status: response.status,
      code,
      message: `${response.status} ${code}: ${message}`,
      requestId: requestId || headerRequestId,
      details,
      headers: response.headers,
    });
  }
  const snippet = text.trim().slice(0, 200);
  return APIError.generate({
    status: response.status,
    code: 'UNKNOWN',
    message: `${response.status} ${response.statusText || 'error'}${snippet ? `: ${snippet}` : ''}`,
    requestId: headerRequestId,
    headers: response.headers,
  });
}

export function buildURL(baseURL: string, path: string, query: QueryParams | undefined): string {
  const url = `${baseURL}${path}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${url}?${search}` : url;
}

export function buildHeaders(
  config: RequestConfig,
  req: ApiRequest<unknown>,
  options: RequestOptions,
): Headers {
  const headers = new Headers({ accept: req.accept ?? 'application/json' });
  if (config.apiKey) headers.set('authorization', `Bearer ${config.apiKey}`);
  if (req.json !== undefined) headers.set('content-type', 'application/json');
  else if (req.contentType && !(req.body instanceof FormData)) headers.set('content-type', req.contentType);
  if (req.method !== 'GET') headers.set('idempotency-key', options.idempotencyKey ?? newIdempotencyKey());
  for (const [key, value] of Object.entries(config.defaultHeaders)) headers.set(key, value);
  for (const [key, value] of Object.entries(options.headers ?? {})) headers.set(key, value);
  return headers;
}

function newIdempotencyKey(): string {
  const webCrypto = globalThis.crypto;
  if (typeof webCrypto?.randomUUID === 'function') return webCrypto.randomUUID();
  // randomUUID is missing in insecure browser contexts; getRandomValues is not.
  const bytes = new Uint8Array(16);
  webCrypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
    return `${cause.message}${inner}`;
  }
  return String(cause);
}
