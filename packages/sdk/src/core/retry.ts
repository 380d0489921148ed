import { APIUserAbortError } from './errors.js';

const INITIAL_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;
/** A server asking for a longer wait than this is ignored in favour of our own backoff. */
const MAX_RETRY_AFTER_MS = 60_000;

/** 409s that are not transient: retrying them cannot succeed. */
const PERMANENT_CONFLICT_CODES = new Set(['EMBEDDER_MISMATCH', 'PROMOTION_REFUSED']);

export function isRetryableStatus(status: number, code?: string): boolean {
  if (status === 409) return code === undefined || !PERMANENT_CONFLICT_CODES.has(code);
  return status === 408 || status === 429 || status >= 500;
}

/** Reads `retry-after-ms`, then `retry-after` (seconds or an HTTP date); undefined when absent or unusable. */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null) {
    const value = Number.parseFloat(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = headers.get('retry-after');
  if (after === null) return undefined;
  const trimmed = after.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number.parseFloat(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Delay before retry number `attempt` (0 for the first retry): the server's hint when it gave a sane one,
 * else exponential backoff from 0.5 s capped at 8 s, minus up to 25% jitter so clients spread out.
 */
export function retryDelayMs(
  attempt: number,
  hintMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (hintMs !== undefined && hintMs <= MAX_RETRY_AFTER_MS) return hintMs;
  const base = Math.min(INITIAL_DELAY_MS * 2 ** attempt, MAX_DELAY_MS);
  return base * (1 - random() * 0.25);
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** setTimeout as a promise that rejects with APIUserAbortError when `signal` fires. */
export const sleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new APIUserAbortError(undefined, { cause: signal.reason }));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new APIUserAbortError(undefined, { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
