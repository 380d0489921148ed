import { describe, expect, it } from 'vitest';
import { ApiError } from '../../core/api-error.js';
import { createRateLimiter } from './rate-limiter.js';

const T0 = 1_800_000_000_000;

function refused(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected a 429');
}

describe('RateLimiter', () => {
  it('admits a minute of requests at once, then refuses with 429 and the seconds until the next one', () => {
    const limiter = createRateLimiter();
    const admit = (atMs: number) => limiter.admit({ keyId: 'key_a', rpm: 3, tpm: null, tokens: 10, atMs });
    for (let i = 0; i < 3; i++) admit(T0);
    const error = refused(() => admit(T0 + 1_000));
    expect(error.status).toBe(429);
    expect(error.code).toBe('RATE_LIMITED');
    // One request refills every 20 s; 1 s has passed.
    expect(error.headers).toEqual({ 'retry-after': '19' });
    expect(error.message).toContain('API key key_a is over its limit of 3 requests per minute');
    expect(error.details).toMatchObject({ keyId: 'key_a', limit: 'rpm', rpm: 3, retryAfterSeconds: 19 });
    refused(() => admit(T0 + 19_999));
    admit(T0 + 20_000);
    refused(() => admit(T0 + 20_001));
  });

  it('holds the long-run rate exactly: a burst of one minute, then the limit per minute', () => {
    const limiter = createRateLimiter();
    let admitted = 0;
    for (let atMs = T0; atMs < T0 + 10 * 60_000; atMs += 50) {
      try {
        limiter.admit({ keyId: 'key_a', rpm: 60, tpm: null, tokens: 0, atMs });
        admitted++;
      } catch {
        // refused: the client retries on the next tick
      }
    }
    // 60 at once, then one a second for ten minutes (the request at exactly T0 + 600 s is outside the loop).
    expect(admitted).toBe(60 + 599);
  });

  it('counts tokens, tells how long until the request fits, and corrects to the real count on settle', () => {
    const limiter = createRateLimiter();
    const admit = (tokens: number, atMs = T0) =>
      limiter.admit({ keyId: 'key_a', rpm: null, tpm: 1_000, tokens, atMs });
    const first = admit(600);
    const error = refused(() => admit(500));
    // 100 tokens missing at 1000 per minute: 6 s.
    expect(error.headers['retry-after']).toBe('6');
    expect(error.message).toContain('1000 tokens per minute (this request counts 500)');
    first.settle(100);
    first.settle(0); // once only
    admit(500);
    refused(() => admit(401));
  });

  it('charges a real count above the estimate, leaving the key in debt', () => {
    const limiter = createRateLimiter();
    const admit = (tokens: number, atMs = T0) =>
      limiter.admit({ keyId: 'key_a', rpm: null, tpm: 1_000, tokens, atMs });
    admit(100).settle(1_500);
    // -500 now; 500 tokens refill in 30 s, 600 more (for a 100-token request) in 36 s.
    expect(refused(() => admit(100)).headers['retry-after']).toBe('36');
    admit(100, T0 + 36_000);
  });

  it('admits a request larger than the whole tpm limit from a full bucket only, then makes the key wait', () => {
    const limiter = createRateLimiter();
    const admit = (tokens: number, atMs: number) =>
      limiter.admit({ keyId: 'key_a', rpm: null, tpm: 1_000, tokens, atMs });
    admit(10, T0);
    refused(() => admit(3_000, T0));
    admit(3_000, T0 + 600); // full again (10 tokens refill in 0.6 s)
    expect(refused(() => admit(1, T0 + 600)).headers['retry-after']).toBe('121');
  });

  it('charges nothing for a refused request: a tpm refusal does not use up a request', () => {
    const limiter = createRateLimiter();
    const admit = (tokens: number) => limiter.admit({ keyId: 'key_a', rpm: 2, tpm: 100, tokens, atMs: T0 });
    admit(90);
    for (let i = 0; i < 5; i++) expect(refused(() => admit(50)).details).toMatchObject({ limit: 'tpm' });
    admit(10);
    expect(refused(() => admit(0)).details).toMatchObject({ limit: 'rpm' });
  });

  it('keeps keys apart and lets keys without limits through uncounted', () => {
    const limiter = createRateLimiter();
    limiter.admit({ keyId: 'key_a', rpm: 1, tpm: null, tokens: 0, atMs: T0 });
    refused(() => limiter.admit({ keyId: 'key_a', rpm: 1, tpm: null, tokens: 0, atMs: T0 }));
    limiter.admit({ keyId: 'key_b', rpm: 1, tpm: null, tokens: 0, atMs: T0 });
    for (let i = 0; i < 1_000; i++) {
      limiter.admit({ keyId: 'key_c', rpm: null, tpm: null, tokens: 1e9, atMs: T0 }).settle(1e9);
    }
  });

  it('applies a changed limit from the next call', () => {
    const limiter = createRateLimiter();
    const admit = (rpm: number, atMs = T0) =>
      limiter.admit({ keyId: 'key_a', rpm, tpm: null, tokens: 0, atMs });
    for (let i = 0; i < 10; i++) admit(10);
    refused(() => admit(10));
    // Lowered to 2: the bucket holds at most 2 now and refills at 2 per minute.
    expect(refused(() => admit(2, T0 + 1_000)).headers['retry-after']).toBe('29');
    admit(2, T0 + 30_000);
  });
});
