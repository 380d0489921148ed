import { describe, expect, it } from 'vitest';
import { createBusyTimeAttributor } from './gpu-busy-time.js';

describe('busy-time attribution', () => {
  it('splits overlapping time equally and charges a lone call its whole duration', () => {
    let now = 0;
    const attributor = createBusyTimeAttributor(() => now);
    const a = attributor.started('gpu-1'); // t=0
    now = 100;
    const b = attributor.started('gpu-1'); // a alone for 100
    now = 300; // both for 200: 100 each
    expect(attributor.finished(a)).toBe(200);
    now = 400; // b alone for 100
    expect(attributor.finished(b)).toBe(200);
  });

  it('charges idle time to nobody and keeps targets apart', () => {
    let now = 0;
    const attributor = createBusyTimeAttributor(() => now);
    const a = attributor.started('gpu-1');
    const other = attributor.started('gpu-2');
    now = 50;
    expect(attributor.finished(a)).toBe(50);
    now = 1_000; // gpu-1 idle from 50 to 1000
    const b = attributor.started('gpu-1');
    now = 1_010;
    expect(attributor.finished(b)).toBe(10);
    expect(attributor.finished(other)).toBe(1_010);
    expect(attributor.finished(other)).toBe(0); // idempotent
  });

  it('hands out exactly the busy time in total, whatever the overlap', () => {
    let now = 0;
    const attributor = createBusyTimeAttributor(() => now);
    const tokens = [attributor.started('t')];
    let total = 0;
    for (let i = 1; i <= 30; i++) {
      now += 7 * i;
      if (i % 3 === 0) total += attributor.finished(tokens.shift() as never);
      else tokens.push(attributor.started('t'));
    }
    now += 11;
    for (const token of tokens) total += attributor.finished(token);
    // The target was never idle from 0 to `now`; rounding is per call (at most 0.5 us each).
    expect(Math.abs(total - now)).toBeLessThanOrEqual(tokens.length + 10);
  });
});
