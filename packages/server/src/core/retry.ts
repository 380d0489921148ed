export interface RetryDecision {
  retry: boolean;
  /** Milliseconds the upstream asked us to wait (Retry-After), if it said so. */
  retryAfterMs?: number;
}

export interface RetryOptions {
  /** Total tries, the first included (1 = no retry). */
  attempts: number;
  /** Delay before the first retry, doubled for each later one. Default 500 ms. */
  baseDelayMs?: number;
  /** Cap of the exponential delay. Default 8 s. */
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the error is thrown instead. Default 60 s. */
  maxRetryAfterMs?: number;
  signal?: AbortSignal;
  /** Whether `error` (thrown by try number `attempt`, from 1) is worth another try. */
  classify(error: unknown, attempt: number): RetryDecision;
  /** Called before each wait; handy for logging. */
  onRetry?(info: { error: unknown; attempt: number; delayMs: number }): void;
  /** Injected in tests. */
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
  random?(): number;
}

/**
 * Runs `fn` until it succeeds, `classify` says stop, or the attempts run out; between tries waits a
 * jittered exponential backoff, or the upstream's Retry-After when it gave one. An abort stops at once
 * with the signal's reason.
 */
export async function retryWithBackoff<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const attempts = Math.max(1, Math.floor(options.attempts));
  const sleep = options.sleep ?? abortableSleep;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (attempt >= attempts) throw error;
      const decision = options.classify(error, attempt);
      if (!decision.retry) throw error;
      let delayMs: number;
      if (decision.retryAfterMs !== undefined) {
        if (decision.retryAfterMs > (options.maxRetryAfterMs ?? 60_000)) throw error;
        delayMs = decision.retryAfterMs;
      } else {
        delayMs = backoffDelay(attempt, options);
      }
      options.onRetry?.({ error, attempt, delayMs });
      await sleep(delayMs, options.signal);
    }
  }
}

/** Exponential delay for the retry after try `attempt` (from 1), minus up to 25% random jitter. */
export function backoffDelay(
  attempt: number,
  options: { baseDelayMs?: number; maxDelayMs?: number; random?(): number } = {},
): number {
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 8_000;
  const exponential = Math.min(max, base * 2 ** (attempt - 1));
  const jitter = 1 - 0.25 * (options.random ?? Math.random)();
  return Math.round(exponential * jitter);
}

/**
 * Parses a Retry-After header value (delay in seconds, or an HTTP-date) into milliseconds from `now`.
 * Returns undefined when absent or unparseable; a date in the past gives 0.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP-date always names its month; this also keeps Date.parse from reading "-5" as a year.
  const date = /[a-z]/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
