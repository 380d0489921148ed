import { describe, expect, it } from 'vitest';
import { APIUserAbortError } from './errors.js';
import { isRetryableStatus, retryAfterMs, retryDelayMs, sleep } from './retry.js';

describe('retryAfterMs', () => {
  it('prefers retry-after-ms', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
  });
  it('reads seconds', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after': '0.5' }))).toBe(500);
  });
  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-11-01T10:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': 'Sun, 01 Nov 2026 10:00:04 GMT' }), now)).toBe(4000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Sun, 01 Nov 2026 09:00:00 GMT' }), now)).toBe(0);
  });
  it('ignores absent or garbage values', () => {
    expect(retryAfterMs(new Headers())).toBeUndefined();
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '-5' }))).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  it('backs off exponentially with at most 25% jitter, capped at 8 s', () => {
    expect(retryDelayMs(0, undefined, () => 0)).toBe(500);
    expect(retryDelayMs(1, undefined, () => 0)).toBe(1000);
    expect(retryDelayMs(2, undefined, () => 0.999)).toBeCloseTo(2000 * 0.75025, 0);
    expect(retryDelayMs(10, undefined, () => 0)).toBe(8000);
  });
  it('uses a server hint up to 60 s and ignores longer ones', () => {
    expect(retryDelayMs(0, 1234)).toBe(1234);
    expect(retryDelayMs(0, 0)).toBe(0);
    expect(retryDelayMs(0, 120_000, () => 0)).toBe(500);
  });
});

describe('isRetryableStatus', () => {
  it('retries 408, 409, 429 and 5xx only', () => {
    for (const status of [408, 409, 429, 500, 502, 503, 504]) expect(isRetryableStatus(status)).toBe(true);
    for (const status of [400, 401, 403, 404, 413, 415, 422]) expect(isRetryableStatus(status)).toBe(false);
  });
  it('does not retry a permanent conflict', () => {
    expect(isRetryableStatus(409, 'EMBEDDER_MISMATCH')).toBe(false);
    expect(isRetryableStatus(409, 'CONFLICT')).toBe(true);
  });
});

describe('sleep', () => {
  it('rejects with APIUserAbortError when aborted', async () => {
    const controller = new AbortController();
    const pending = sleep(10_000, controller.signal);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(APIUserAbortError);
  });
});
