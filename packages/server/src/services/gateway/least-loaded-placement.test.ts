import { describe, expect, it } from 'vitest';
import type { PoolConfig } from './gateway-config.js';
import { createTargetHealth } from './health-store.js';
import { createLeastLoadedPlacement } from './least-loaded-placement.js';

function manualClock() {
  let t = 1_000_000;
  return {
    now: () => new Date(t),
    advance: (ms: number) => {
      t += ms;
    },
  };
}

const pool: PoolConfig = { id: 'p', replicas: ['a', 'b', 'c'], placement: 'least-loaded' };
const req = { prefixKey: 'k' };

function setup(targets = [] as { id: string; maxInFlight?: number }[]) {
  const clock = manualClock();
  const health = createTargetHealth({ clock, staleAfterMs: 3_000 });
  const placement = createLeastLoadedPlacement({ health, targets });
  return { clock, health, placement };
}

function startMany(placement: ReturnType<typeof createLeastLoadedPlacement>, id: string, n: number) {
  for (let i = 0; i < n; i++) placement.started(id);
}

describe('createLeastLoadedPlacement', () => {
  it('without signals, orders by the gateway in-flight counts and rotates ties', () => {
    const { placement } = setup();
    expect(placement.order(pool, req)).toEqual(['a', 'b', 'c']);
    expect(placement.order(pool, req)).toEqual(['b', 'c', 'a']);
    startMany(placement, 'b', 2);
    startMany(placement, 'a', 1);
    expect(placement.order(pool, req)).toEqual(['c', 'a', 'b']);
    placement.finished('b', { ok: true });
    placement.finished('b', { ok: false });
    expect(placement.order(pool, req)?.slice(0, 2)).toEqual(expect.arrayContaining(['b', 'c']));
    expect(placement.order(pool, req)?.[2]).toBe('a');
  });

  it('ranks by fresh replica signals, queued requests weighing double', () => {
    const { health, placement } = setup();
    health.recordLoad('a', { waiting: 3, running: 4, kvCacheUsage: 0.5 }); // 7 + 3 = 10
    health.recordLoad('b', { waiting: 0, running: 9, kvCacheUsage: 0.9 }); // 9
    health.recordLoad('c', { waiting: 0, running: 2, kvCacheUsage: 0.2 }); // 2
    expect(placement.order(pool, req)).toEqual(['c', 'b', 'a']);
  });

  it("counts the gateway's own calls live and only the replica's other traffic from the scrape", () => {
    const { health, placement } = setup();
    startMany(placement, 'a', 2);
    health.recordLoad('a', { waiting: 0, running: 2, kvCacheUsage: 0 }); // our 2 calls
    health.recordLoad('b', { waiting: 0, running: 3, kvCacheUsage: 0 }); // 3 from elsewhere
    health.recordLoad('c', { waiting: 1, running: 3, kvCacheUsage: 0 }); // 4 + 1 queued
    expect(placement.order(pool, req)).toEqual(['a', 'b', 'c']);
    placement.finished('a', { ok: true });
    placement.finished('a', { ok: true });
    expect(placement.order(pool, req)?.[0]).toBe('a'); // 0 now, not the scraped 2
    startMany(placement, 'a', 5); // 5 of ours since the scrape, beyond b's 3 and c's 4 + 1
    expect(placement.order(pool, req)).toEqual(['b', 'c', 'a']);
  });

  it('ignores stale signals and falls back to in-flight counts', () => {
    const { clock, health, placement } = setup();
    health.recordLoad('a', { waiting: 50, running: 50, kvCacheUsage: 1 });
    startMany(placement, 'b', 1);
    startMany(placement, 'c', 2);
    expect(placement.order(pool, req)?.[2]).toBe('a');
    clock.advance(3_001);
    expect(placement.order(pool, req)).toEqual(['a', 'b', 'c']);
  });

  it('normalises by maxInFlight, so a bigger replica takes more', () => {
    const { placement } = setup([
      { id: 'a', maxInFlight: 2 },
      { id: 'b', maxInFlight: 10 },
      { id: 'c', maxInFlight: 10 },
    ]);
    startMany(placement, 'a', 1); // 0.5
    startMany(placement, 'b', 4); // 0.4
    startMany(placement, 'c', 6); // 0.6
    expect(placement.order(pool, req)).toEqual(['b', 'a', 'c']);
  });

  it('sends an adapter request only to replicas listing it, or to all when none does', () => {
    const { clock, health, placement } = setup();
    health.recordAdapters('b', ['sql-lora']);
    health.recordAdapters('c', ['sql-lora', 'chat-lora']);
    startMany(placement, 'b', 1);
    expect(placement.order(pool, { prefixKey: 'k', adapter: 'sql-lora' })).toEqual(['c', 'b']);
    expect(placement.order(pool, { prefixKey: 'k', adapter: 'chat-lora' })).toEqual(['c']);
    expect(placement.order(pool, { prefixKey: 'k', adapter: 'new-lora' })).toHaveLength(3);
    clock.advance(3_001); // adapter lists stale: every replica again
    expect(placement.order(pool, { prefixKey: 'k', adapter: 'chat-lora' })).toHaveLength(3);
  });

  it('never spills from a pool without a spillover target', () => {
    const { health, placement } = setup([{ id: 'a', maxInFlight: 1 }]);
    for (const id of pool.replicas) health.recordLoad(id, { waiting: 100, running: 64, kvCacheUsage: 1 });
    expect(placement.order(pool, req)).toHaveLength(3);
  });

  it('spills when every replica is saturated: in flight, queue or KV cache', () => {
    const spill: PoolConfig = { ...pool, spillover: { target: 'cloud' } };
    const { health, placement } = setup([{ id: 'a', maxInFlight: 2 }]);
    startMany(placement, 'a', 2);
    health.recordLoad('b', { waiting: 5, running: 8, kvCacheUsage: 0.5 });
    health.recordLoad('c', { waiting: 4, running: 8, kvCacheUsage: 0.5 });
    // c is open; the saturated ones follow by score (a: 2/2 = 1, b: 13 + 5 = 18).
    expect(placement.order(spill, req)).toEqual(['c', 'a', 'b']);
    health.recordLoad('c', { waiting: 0, running: 8, kvCacheUsage: 0.95 });
    expect(placement.order(spill, req)).toBeNull();
    placement.finished('a', { ok: true });
    expect(placement.order(spill, req)?.[0]).toBe('a');
  });

  it('spills when every replica predicts a first token later than the objective', () => {
    const spill: PoolConfig = { ...pool, spillover: { target: 'cloud', maxPredictedFirstTokenMs: 1_000 } };
    const { health, placement } = setup();
    // Unknown first-token times never spill.
    for (const id of pool.replicas) health.recordLoad(id, { waiting: 4, running: 8, kvCacheUsage: 0.5 });
    expect(placement.order(spill, req)).not.toBeNull();
    // Learn 200 ms per queue position on each replica (started with 4 queued, first token after 1 s).
    for (const id of pool.replicas) {
      placement.started(id);
      placement.finished(id, { ok: true, firstTokenMs: 1_000 });
    }
    expect(health.get('a').firstTokenMsPerPosition).toBe(200);
    // 4 queued -> (1 + 4) x 200 = 1,000: not above the objective.
    expect(placement.order(spill, req)).not.toBeNull();
    health.recordLoad('a', { waiting: 5, running: 8, kvCacheUsage: 0.5 });
    health.recordLoad('b', { waiting: 5, running: 8, kvCacheUsage: 0.5 });
    expect(placement.order(spill, req)?.[0]).toBe('c');
    health.recordLoad('c', { waiting: 5, running: 8, kvCacheUsage: 0.5 });
    expect(placement.order(spill, req)).toBeNull();
  });
});
