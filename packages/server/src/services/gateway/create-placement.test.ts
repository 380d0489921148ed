import { describe, expect, it } from 'vitest';
import { createPlacement } from './create-placement.js';
import type { PoolConfig } from './gateway-config.js';
import { createTargetHealth } from './health-store.js';

const replicas = ['a', 'b', 'c'];
const pools = {
  rr: { id: 'rr', replicas, placement: 'round-robin' },
  ll: { id: 'll', replicas, placement: 'least-loaded' },
  pa: { id: 'pa', replicas, placement: 'prefix-affinity' },
} satisfies Record<string, PoolConfig>;

function setup() {
  const health = createTargetHealth();
  const placement = createPlacement({ targets: replicas.map((id) => ({ id, maxInFlight: 2 })) }, health);
  return { health, placement };
}

describe('createPlacement', () => {
  it('dispatches on the pool policy', () => {
    const { placement } = setup();
    placement.started('a');
    // Round robin ignores load; least-loaded avoids a.
    expect(placement.order(pools.rr, { prefixKey: 'k' })?.[0]).toBe('a');
    expect(placement.order(pools.rr, { prefixKey: 'k' })?.[0]).toBe('b');
    expect(placement.order(pools.ll, { prefixKey: 'k' })?.[0]).not.toBe('a');
    // Prefix affinity: the same key keeps its replica while another key is placed by load.
    const home = placement.order(pools.pa, { prefixKey: 'k' })?.[0];
    expect(home).not.toBe('a');
    placement.started(home as string);
    expect(placement.order(pools.pa, { prefixKey: 'k' })?.[0]).toBe(home);
  });

  it('keeps one in-flight count per target across pools and policies', () => {
    const { health, placement } = setup();
    placement.started('b');
    placement.started('b');
    expect(health.get('b').inFlight).toBe(2);
    expect(placement.order(pools.ll, { prefixKey: 'k' })?.at(-1)).toBe('b');
    placement.finished('b', { ok: true, firstTokenMs: 120 });
    expect(health.get('b')).toMatchObject({ inFlight: 1, firstTokenMs: 120 });
  });

  it('lets a round-robin pool spill only when every replica is saturated', () => {
    const { placement } = setup();
    const rr: PoolConfig = { ...pools.rr, spillover: { target: 'cloud' } };
    for (const id of ['a', 'b']) for (let i = 0; i < 2; i++) placement.started(id);
    expect(placement.order(rr, { prefixKey: 'k' })).toHaveLength(3);
    placement.started('c');
    placement.started('c');
    expect(placement.order(rr, { prefixKey: 'k' })).toBeNull();
    expect(placement.order(pools.rr, { prefixKey: 'k' })).toHaveLength(3);
  });

  it('sends a LoRA request only to the replicas listing its adapter, under every policy', () => {
    const { health, placement } = setup();
    health.recordAdapters('b', ['sql-lora']);
    for (const pool of Object.values(pools)) {
      expect(placement.order(pool, { prefixKey: 'k', adapter: 'sql-lora' }), pool.id).toEqual(['b']);
      // No replica lists this one (stale lists, or a LoRA resolver loading on demand): every replica.
      expect(placement.order(pool, { prefixKey: 'k', adapter: 'chat-lora' })?.sort(), pool.id).toEqual(
        replicas,
      );
    }
    // Round robin rotates over the listing replicas only.
    health.recordAdapters('c', ['sql-lora']);
    const orders = [1, 2, 3, 4].map(() => placement.order(pools.rr, { prefixKey: 'k', adapter: 'sql-lora' }));
    expect(orders.every((order) => order?.length === 2)).toBe(true);
    const firsts = orders.map((order) => order?.[0]);
    expect([...firsts.slice(0, 2)].sort()).toEqual(['b', 'c']);
    expect(firsts.slice(2)).toEqual(firsts.slice(0, 2));
  });
});
