import {
  QdrantClientResourceExhaustedError,
  QdrantClientTimeoutError,
  QdrantClientUnexpectedResponseError,
} from '@qdrant/js-client-rest';
import { ApiError } from '../../core/api-error.js';
import { abortableSleep, retryWithBackoff } from '../../core/retry.js';

export interface QdrantRetryOptions {
  /** Retries after the first attempt for 5xx, 429, 408 and connection failures. Default 3. */
  maxRetries?: number;
  /** First backoff delay; doubles per retry, with full jitter. Default 200 ms. */
  baseDelayMs?: number;
  /** Cap on one delay, also on a server's Retry-After. Default 5,000 ms. */
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** What the failure of one Qdrant call looked like, read off whichever error class the client threw. */
export interface QdrantFailure {
  /** HTTP status, or undefined when no response came (connection refused, reset, DNS, timeout). */
  status: number | undefined;
  /** Qdrant's `status.error` message, or the client's own message. */
  message: string;
  retryAfterMs?: number;
  timedOut: boolean;
}

/**
 * @qdrant/js-client-rest throws the fetch library's ApiError (`status`, `data` = the error envelope)
 * for non-2xx answers, its own errors for 2xx other than 200/201, timeouts and 429 with Retry-After,
 * and fetch's TypeError when no response came.
 */
export function describeQdrantFailure(error: unknown): QdrantFailure {
  if (error instanceof QdrantClientTimeoutError) {
    return { status: undefined, message: error.message || 'request timed out', timedOut: true };
  }
  if (error instanceof QdrantClientResourceExhaustedError) {
    return { status: 429, message: error.message, retryAfterMs: error.retry_after * 1000, timedOut: false };
  }
  if (error instanceof QdrantClientUnexpectedResponseError) {
    const status = Number(/Unexpected Response: (\d{3})/.exec(error.message)?.[1]);
    return { status: Number.isFinite(status) ? status : undefined, message: error.message, timedOut: false };
  }
  if (error instanceof Error && typeof (error as { status?: unknown }).status === 'number') {
    const { status, data } = error as Error & { status: number; data?: unknown };
    const message = qdrantErrorMessage(data) ?? (error.message || `HTTP ${status}`);
    return { status, message, timedOut: false };
  }
  const message = error instanceof Error ? describeCause(error) : String(error);
  return { status: undefined, message, timedOut: error instanceof Error && error.name === 'AbortError' };
}

function qdrantErrorMessage(data: unknown): string | undefined {
  if (typeof data === 'string' && data.length > 0) return data.slice(0, 500);
  if (typeof data !== 'object' || data === null) return undefined;
  const status = (data as { status?: unknown }).status;
  if (typeof status === 'object' && status !== null) {
    const error = (status as { error?: unknown }).error;
    if (typeof error === 'string') return error;
  }
  return undefined;
}

function describeCause(error: Error): string {
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

export function isRetryable(failure: QdrantFailure): boolean {
  if (failure.status === undefined) return true;
  return failure.status >= 500 || failure.status === 429 || failure.status === 408;
}

/** Maps a final Qdrant failure to the server's typed error, keeping the upstream status and message. */
export function toApiError(operation: string, failure: QdrantFailure, cause: unknown): ApiError {
  const { status, message } = failure;
  const details = { upstream: 'qdrant', operation, status: status ?? null, error: message };
  const text = `Qdrant ${operation} failed${status === undefined ? '' : ` (HTTP ${status})`}: ${message}`;
  if (failure.timedOut || status === 408 || status === 504) {
    return new ApiError('UPSTREAM_TIMEOUT', text, { cause, details });
  }
  if (status === 404) return new ApiError('COLLECTION_NOT_FOUND', text, { cause, details });
  if (status === 429) {
    const headers: Record<string, string> =
      failure.retryAfterMs === undefined
        ? {}
        : { 'retry-after': String(Math.ceil(failure.retryAfterMs / 1000)) };
    return new ApiError('RATE_LIMITED', text, { cause, details, headers });
  }
  return new ApiError('UPSTREAM_ERROR', text, { cause, details });
}

/**
 * Runs one Qdrant call with bounded retries. Only idempotent calls go through here (every write the
 * adapter makes uses deterministic point ids or filters, so repeating it is harmless).
 */
export async function callQdrant<T>(
  operation: string,
  call: () => Promise<T>,
  options: QdrantRetryOptions = {},
): Promise<T> {
  const { maxRetries = 3, baseDelayMs = 200, maxDelayMs = 5_000, sleep } = options;
  try {
    return await retryWithBackoff(() => call(), {
      attempts: maxRetries + 1,
      baseDelayMs,
      maxDelayMs,
      // A long Retry-After is capped rather than refused: Qdrant asks for short waits.
      maxRetryAfterMs: Number.POSITIVE_INFINITY,
      sleep: (ms, signal) =>
        sleep ? sleep(Math.min(maxDelayMs, ms)) : abortableSleep(Math.min(maxDelayMs, ms), signal),
      classify: (error) => {
        const failure = describeQdrantFailure(error);
        return {
          retry: isRetryable(failure),
          ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
        };
      },
    });
  } catch (error) {
    throw toApiError(operation, describeQdrantFailure(error), error);
  }
}
