import { describe, expect, it } from 'vitest';
import { abortableSleep, backoffDelay, parseRetryAfter, retryWithBackoff } from './retry.js';

class Transient extends Error {
  constructor(readonly retryAfterMs?: number) {
    super('transient');
  }
}

function recorder() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

const classify = (error: unknown) =>
  error instanceof Transient ? { retry: true, retryAfterMs: error.retryAfterMs } : { retry: false };

describe('retryWithBackoff', () => {
  it('retries transient failures with growing jittered delays, then succeeds', async () => {
    const { waits, sleep } = recorder();
    let calls = 0;
    const result = await retryWithBackoff(
      async (attempt) => {
        calls++;
        if (attempt < 4) throw new Transient();
        return 'ok';
      },
      { attempts: 5, baseDelayMs: 100, classify, sleep, random: () => 0 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(waits).toEqual([100, 200, 400]);
  });

  it('throws the last error when attempts run out', async () => {
    const { waits, sleep } = recorder();
    let calls = 0;
    await expect(
      retryWithBackoff(
        async () => {
          calls++;
          throw new Transient();
        },
        { attempts: 3, classify, sleep },
      ),
    ).rejects.toBeInstanceOf(Transient);
    expect(calls).toBe(3);
    expect(waits).toHaveLength(2);
  });

  it('does not retry errors classified as permanent', async () => {
    const { waits, sleep } = recorder();
    let calls = 0;
    await expect(
      retryWithBackoff(
        async () => {
          calls++;
          throw new Error('bad request');
        },
        { attempts: 5, classify, sleep },
      ),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('waits exactly the Retry-After the upstream asked for', async () => {
    const { waits, sleep } = recorder();
    let calls = 0;
    await retryWithBackoff(
      async () => {
        if (++calls === 1) throw new Transient(2_500);
        return calls;
      },
      { attempts: 3, classify, sleep },
    );
    expect(waits).toEqual([2_500]);
  });

  it('gives up instead of waiting a Retry-After longer than the cap', async () => {
    const { waits, sleep } = recorder();
    let calls = 0;
    await expect(
      retryWithBackoff(
        async () => {
          calls++;
          throw new Transient(120_000);
        },
        { attempts: 3, classify, sleep, maxRetryAfterMs: 60_000 },
      ),
    ).rejects.toBeInstanceOf(Transient);
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('stops with the abort reason while waiting', async () => {
    const controller = new AbortController();
    let calls = 0;
    const promise = retryWithBackoff(
      async () => {
        calls++;
        setTimeout(() => controller.abort(new Error('cancelled by caller')), 5);
        throw new Transient();
      },
      { attempts: 5, baseDelayMs: 10_000, classify, signal: controller.signal },
    );
    await expect(promise).rejects.toThrow('cancelled by caller');
    expect(calls).toBe(1);
  });

  it('does not start when the signal is already aborted', async () => {
    let calls = 0;
    await expect(
      retryWithBackoff(
        async () => {
          calls++;
        },
        { attempts: 2, classify, signal: AbortSignal.abort(new Error('already')) },
      ),
    ).rejects.toThrow('already');
    expect(calls).toBe(0);
  });
});

describe('backoffDelay', () => {
  it('doubles per attempt, caps at maxDelayMs and jitters down by at most 25%', () => {
    expect(backoffDelay(1, { baseDelayMs: 500, random: () => 0 })).toBe(500);
    expect(backoffDelay(3, { baseDelayMs: 500, random: () => 0 })).toBe(2_000);
    expect(backoffDelay(10, { baseDelayMs: 500, maxDelayMs: 8_000, random: () => 0 })).toBe(8_000);
    expect(backoffDelay(3, { baseDelayMs: 500, random: () => 0.999999 })).toBe(1_500);
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelay(2, { baseDelayMs: 400 });
      expect(delay).toBeGreaterThanOrEqual(600);
      expect(delay).toBeLessThanOrEqual(800);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1_500);
  });
  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:07 GMT', now)).toBe(7_000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent or garbage values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('abortableSleep', () => {
  it('resolves after the delay', async () => {
    const started = Date.now();
    await abortableSleep(20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });
  it('rejects with the reason when aborted', async () => {
    const controller = new AbortController();
    const promise = abortableSleep(10_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(promise).rejects.toThrow('stop');
  });
});
