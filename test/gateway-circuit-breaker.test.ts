import { describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../packages/server/src/services/gateway/circuit-breaker.js';

describe('circuit breaker', () => {
  it('opens after N consecutive failures, lets one probe through after openMs, closes on success', () => {
    let now = 0;
    const states: string[] = [];
    const breaker = createCircuitBreaker(
      { failureThreshold: 3, openMs: 1_000 },
      () => now,
      (s) => states.push(s),
    );
    breaker.failure();
    breaker.failure();
    breaker.success(); // resets the count
    breaker.failure();
    breaker.failure();
    expect(breaker.state()).toBe('closed');
    breaker.failure();
    expect(breaker.state()).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    now = 999;
    expect(breaker.tryAcquire()).toBe(false);
    now = 1_000;
    expect(breaker.state()).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false); // one probe at a time
    breaker.success();
    expect(breaker.state()).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('reopens on a failed probe and frees a probe that ended without a verdict', () => {
    let now = 0;
    const breaker = createCircuitBreaker({ failureThreshold: 1, openMs: 100 }, () => now);
    breaker.failure();
    now = 100;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.release();
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failure();
    expect(breaker.state()).toBe('open');
    now = 150;
    expect(breaker.tryAcquire()).toBe(false);
  });
});
