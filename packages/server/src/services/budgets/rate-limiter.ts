import { ApiError } from '../../core/api-error.js';

export interface RateLimiter {
  /**
   * Counts one request and `tokens` (estimated: prompt + max output) for the key; throws
   * ApiError('RATE_LIMITED', 429, header retry-after in seconds) when over its rpm or tpm.
   */
  admit(input: {
    keyId: string;
    rpm: number | null;
    tpm: number | null;
    tokens: number;
    atMs: number;
  }): RateAdmission;
}

export interface RateAdmission {
  /** Corrects the token count to the real one. */
  settle(actualTokens: number): void;
}

const MINUTE_MS = 60_000;
/** Past this many tracked keys, keys whose buckets have refilled completely are dropped (they start full anyway). */
const MAX_TRACKED_KEYS = 50_000;
const NOTHING_COUNTED: RateAdmission = { settle() {} };

/**
 * A token bucket per key and limit (the GCRA, stored as a level): it holds up to one minute's
 * allowance and refills continuously at limit/60 per second. Two numbers per bucket, O(1) per call,
 * no timers. A new or idle key may burst its whole minute at once; after that it gets exactly the
 * limit per minute, so any 60-second window admits at most twice the limit and the long-run rate is
 * exact. A request estimated at more tokens than the whole tpm limit is admitted only from a full
 * bucket and leaves it in debt, so it is slow rather than impossible. See ADR 0007.
 */
export function createRateLimiter(): RateLimiter {
  const buckets = new Map<string, KeyBuckets>();

  return {
    admit({ keyId, rpm, tpm, tokens, atMs }) {
      const requestLimit = positive(rpm);
      const tokenLimit = positive(tpm);
      if (requestLimit === null && tokenLimit === null) return NOTHING_COUNTED;
      if (!Number.isFinite(tokens) || tokens < 0) {
        throw new RangeError(`tokens must be a non-negative number, got ${tokens}`);
      }
      let state = buckets.get(keyId);
      if (!state) {
        if (buckets.size >= MAX_TRACKED_KEYS) forgetFullBuckets(buckets, atMs);
        state = { requests: null, tokens: null };
        buckets.set(keyId, state);
      }
      if (requestLimit !== null) state.requests = refill(state.requests, requestLimit, atMs);
      if (tokenLimit !== null) state.tokens = refill(state.tokens, tokenLimit, atMs);
      const requestBucket = requestLimit === null ? null : state.requests;
      const tokenBucket = tokenLimit === null ? null : state.tokens;

      // Both limits are checked before either is charged: a refused request costs nothing.
      const requestWait = requestBucket ? waitMs(requestBucket, 1) : 0;
      const tokenWait = tokenBucket ? waitMs(tokenBucket, Math.min(tokens, tokenBucket.capacity)) : 0;
      if (requestWait > 0 || tokenWait > 0) {
        throw rateLimited(keyId, requestWait >= tokenWait ? 'rpm' : 'tpm', {
          rpm: requestLimit,
          tpm: tokenLimit,
          tokens,
          waitMs: Math.max(requestWait, tokenWait),
        });
      }
      if (requestBucket) requestBucket.level -= 1;
      if (!tokenBucket) return NOTHING_COUNTED;
      tokenBucket.level -= tokens;

      let open = true;
      return {
        settle(actualTokens) {
          if (!open) return;
          if (!Number.isFinite(actualTokens) || actualTokens < 0) {
            throw new RangeError(`actualTokens must be a non-negative number, got ${actualTokens}`);
          }
          open = false;
          tokenBucket.level = Math.min(tokenBucket.capacity, tokenBucket.level + tokens - actualTokens);
        },
      };
    },
  };
}

interface Bucket {
  capacity: number;
  /** What may be spent now; negative after an oversized request (debt). */
  level: number;
  atMs: number;
}

interface KeyBuckets {
  requests: Bucket | null;
  tokens: Bucket | null;
}

function positive(limit: number | null): number | null {
  return limit !== null && limit > 0 ? limit : null;
}

/** The bucket brought up to `atMs`; a changed limit becomes the new capacity (the level is capped to it). */
function refill(bucket: Bucket | null, capacity: number, atMs: number): Bucket {
  if (!bucket) return { capacity, level: capacity, atMs };
  const elapsed = Math.max(0, atMs - bucket.atMs);
  bucket.level = Math.min(capacity, bucket.level + (elapsed * capacity) / MINUTE_MS);
  bucket.capacity = capacity;
  bucket.atMs = Math.max(bucket.atMs, atMs);
  return bucket;
}

/** Milliseconds until the bucket holds `need`; 0 when it does now. */
function waitMs(bucket: Bucket, need: number): number {
  if (bucket.level >= need) return 0;
  return ((need - bucket.level) * MINUTE_MS) / bucket.capacity;
}

function forgetFullBuckets(buckets: Map<string, KeyBuckets>, atMs: number): void {
  for (const [keyId, state] of buckets) {
    const full = [state.requests, state.tokens].every(
      (bucket) => bucket === null || refill(bucket, bucket.capacity, atMs).level >= bucket.capacity,
    );
    if (full) buckets.delete(keyId);
  }
}

function rateLimited(
  keyId: string,
  limit: 'rpm' | 'tpm',
  figures: { rpm: number | null; tpm: number | null; tokens: number; waitMs: number },
): ApiError {
  const retryAfter = Math.max(1, Math.ceil(figures.waitMs / 1000));
  const what =
    limit === 'rpm'
      ? `${figures.rpm} requests per minute`
      : `${figures.tpm} tokens per minute (this request counts ${figures.tokens})`;
  return new ApiError(
    'RATE_LIMITED',
    `API key ${keyId} is over its limit of ${what}; retry after ${retryAfter} s`,
    {
      headers: { 'retry-after': String(retryAfter) },
      details: {
        keyId,
        limit,
        rpm: figures.rpm,
        tpm: figures.tpm,
        tokens: figures.tokens,
        retryAfterSeconds: retryAfter,
      },
    },
  );
}
