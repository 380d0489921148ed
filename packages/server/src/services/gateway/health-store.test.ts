import { describe, expect, it } from 'vitest';
import { createTargetHealth } from './health-store.js';

function manualClock(start = 1_000_000) {
  let t = start;
  return {
    now: () => new Date(t),
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('createTargetHealth', () => {
  it('knows nothing about an unseen target', () => {
    expect(createTargetHealth().get('x')).toEqual({
      inFlight: 0,
      load: null,
      adapters: null,
      firstTokenMsPerPosition: null,
      firstTokenMs: null,
    });
  });

  it('gives signals their age and drops them once older than their bound', () => {
    const clock = manualClock();
    const health = createTargetHealth({ clock, staleAfterMs: 3_000 });
    health.recordLoad('a', { waiting: 2, running: 5, kvCacheUsage: 0.4 });
    health.recordLoad('b', { waiting: 1, running: 1, kvCacheUsage: null }, 10_000);
    health.recordAdapters('a', ['sql-lora']);
    clock.advance(1_200);
    expect(health.get('a').load).toEqual({
      waiting: 2,
      running: 5,
      kvCacheUsage: 0.4,
      ageMs: 1_200,
      inFlightAtRecord: 0,
    });
    expect(health.get('a').adapters?.names.has('sql-lora')).toBe(true);
    expect(health.get('a').adapters?.ageMs).toBe(1_200);
    clock.advance(1_800);
    expect(health.get('a').load?.ageMs).toBe(3_000);
    clock.advance(1);
    expect(health.get('a').load).toBeNull();
    expect(health.get('a').adapters).toBeNull();
    expect(health.get('b').load?.ageMs).toBe(3_001);
    health.recordLoad('a', { waiting: 0, running: 1, kvCacheUsage: 0.1 });
    expect(health.get('a').load?.ageMs).toBe(0);
  });

  it('remembers the in-flight count at the time a load was recorded', () => {
    const health = createTargetHealth();
    health.started('a');
    health.started('a');
    health.recordLoad('a', { waiting: 0, running: 5, kvCacheUsage: null });
    health.finished('a', { ok: true });
    expect(health.get('a')).toMatchObject({ inFlight: 1, load: { running: 5, inFlightAtRecord: 2 } });
  });

  it('counts in-flight calls and never below zero', () => {
    const health = createTargetHealth();
    health.started('a');
    health.started('a');
    health.started('b');
    expect(health.get('a').inFlight).toBe(2);
    health.finished('a', { ok: true });
    health.finished('a', { ok: false });
    health.finished('a', { ok: false });
    expect(health.get('a').inFlight).toBe(0);
    expect(health.get('b').inFlight).toBe(1);
  });

  it('learns first-token time per queue position from the queue estimate given at start', () => {
    const health = createTargetHealth({ firstTokenAlpha: 0.5 });
    health.started('a', { queueAhead: 3 });
    health.started('a', { queueAhead: 0 });
    health.finished('a', { ok: true, firstTokenMs: 400 }); // 400 / (1 + 3) = 100
    expect(health.get('a').firstTokenMsPerPosition).toBe(100);
    health.finished('a', { ok: true, firstTokenMs: 200 }); // 200 / 1, EWMA 0.5 -> 150
    expect(health.get('a').firstTokenMsPerPosition).toBe(150);
    expect(health.get('a').firstTokenMs).toBe(300);
    health.started('a');
    health.finished('a', { ok: false }); // no first token: no observation
    expect(health.get('a').firstTokenMsPerPosition).toBe(150);
  });
});
