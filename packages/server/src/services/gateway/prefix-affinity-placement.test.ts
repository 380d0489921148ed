import { describe, expect, it } from 'vitest';
import type { PoolConfig } from './gateway-config.js';
import { createTargetHealth } from './health-store.js';
import { createPrefixAffinityPlacement, type PrefixAffinityOptions } from './prefix-affinity-placement.js';

const pool: PoolConfig = { id: 'p', replicas: ['a', 'b', 'c'], placement: 'prefix-affinity' };
const targets = pool.replicas.map((id) => ({ id, maxInFlight: 4 }));

function setup(extra: Partial<PrefixAffinityOptions> = {}) {
  const health = createTargetHealth();
  const placement = createPrefixAffinityPlacement({ health, targets, ...extra });
  /** Places and starts a request, as the router does; returns the chosen replica. */
  const send = (prefixKey: string, adapter?: string) => {
    const order = placement.order(pool, { prefixKey, ...(adapter && { adapter }) });
    const first = order?.[0];
    if (first) placement.started(first);
    return first;
  };
  return { health, placement, send };
}

describe('createPrefixAffinityPlacement', () => {
  it('sends a new prefix to the least-loaded replica and keeps it there while not saturated', () => {
    const { placement, send } = setup();
    placement.started('a');
    placement.started('b');
    placement.started('b');
    expect(send('tenant-1')).toBe('c');
    // c now has as many or more in flight than a, but it is tenant-1's home.
    expect(send('tenant-1')).toBe('c');
    expect(send('tenant-1')).toBe('c');
    expect(placement.order(pool, { prefixKey: 'tenant-1' })).toEqual(['c', 'a', 'b']);
    // Another prefix goes to the least-loaded replica.
    expect(send('tenant-2')).toBe('a');
  });

  it('yields to the least-loaded replica when the home is saturated, then comes back', () => {
    const { health, placement, send } = setup();
    expect(send('t')).toBe('a');
    for (let i = 0; i < 3; i++) expect(send('t')).toBe('a'); // a: 4 in flight = maxInFlight
    placement.started('b');
    expect(send('t')).toBe('c'); // a saturated: least-loaded c joins t's homes
    expect(send('t')).toBe('c');
    placement.finished('a', { ok: true });
    placement.finished('a', { ok: true });
    placement.finished('a', { ok: true }); // a: 1 in flight, c: 2
    expect(send('t')).toBe('a');

    // A fresh queue or KV signal saturates too.
    health.recordLoad('a', { waiting: 5, running: 3, kvCacheUsage: 0.5 });
    expect(send('t')).toBe('c');
    health.recordLoad('a', { waiting: 0, running: 2, kvCacheUsage: 0.97 });
    health.recordLoad('c', { waiting: 0, running: 2, kvCacheUsage: 0.97 });
    expect(send('t')).toBe('b');
  });

  it('remembers at most replicasPerPrefix homes, dropping the least recently used', () => {
    const { placement } = setup({ replicasPerPrefix: 1 });
    const first = placement.order(pool, { prefixKey: 't' })?.[0];
    expect(first).toBe('a');
    for (let i = 0; i < 4; i++) placement.started('a'); // a saturated
    expect(placement.order(pool, { prefixKey: 't' })?.[0]).toBe('b'); // b replaces a
    for (let i = 0; i < 4; i++) placement.finished('a', { ok: true });
    placement.started('b');
    // a is free again but no longer remembered; b (1 in flight) stays the home.
    expect(placement.order(pool, { prefixKey: 't' })?.[0]).toBe('b');
  });

  it('forgets the least recently used prefix beyond maxPrefixes', () => {
    const { placement } = setup({ maxPrefixes: 2 });
    const first = (prefixKey: string) => placement.order(pool, { prefixKey })?.[0];
    const load = (id: string, n: number) => {
      for (let i = 0; i < n; i++) placement.started(id);
    };
    load('b', 1);
    load('c', 1);
    expect(first('x')).toBe('a');
    load('a', 2);
    load('c', 1); // a 2, b 1, c 2
    expect(first('y')).toBe('b');
    expect(first('x')).toBe('a'); // its home, though b is less loaded; y is now the oldest
    expect(first('z')).toBe('b'); // a third key evicts y
    load('b', 2); // a 2, b 3, c 2
    expect(first('y')).not.toBe('b'); // forgotten: placed by load; evicts x
    expect(first('z')).toBe('b'); // remembered
  });

  it('keeps adapters apart and only uses replicas that list the adapter', () => {
    const { health, placement, send } = setup();
    placement.started('c');
    health.recordAdapters('b', ['sql-lora']);
    health.recordAdapters('c', ['sql-lora']);
    expect(send('t')).toBe('a');
    expect(send('t', 'sql-lora')).toBe('b');
    expect(send('t', 'sql-lora')).toBe('b');
    expect(send('t')).toBe('a');
  });

  it('returns null to spill over when every candidate is saturated', () => {
    const { placement } = setup();
    const spill = { ...pool, spillover: { target: 'cloud' } };
    for (const id of pool.replicas) for (let i = 0; i < 4; i++) placement.started(id);
    expect(placement.order(spill, { prefixKey: 't' })).toBeNull();
    expect(placement.order(pool, { prefixKey: 't' })).toHaveLength(3);
    placement.finished('b', { ok: true });
    expect(placement.order(spill, { prefixKey: 't' })?.[0]).toBe('b');
  });
});
