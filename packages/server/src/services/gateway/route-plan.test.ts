import { describe, expect, it, vi } from 'vitest';
import { createPlacement } from './create-placement.js';
import type { PoolConfig } from './gateway-config.js';
import { createTargetHealth } from './health-store.js';
import { createGatewayMetrics } from './metrics.js';
import type { Placement } from './placement.js';
import { expandRefs, upstreamModel } from './route-plan.js';

const pool: PoolConfig = {
  id: 'llama-pool',
  replicas: ['a', 'b'],
  placement: 'least-loaded',
  spillover: { target: 'cloud' },
};
const pools = new Map([[pool.id, pool]]);

function setup() {
  const health = createTargetHealth();
  const placement = createPlacement({ targets: ['a', 'b'].map((id) => ({ id, maxInFlight: 1 })) }, health);
  const order = vi.spyOn(placement, 'order');
  const prefixKey = vi.fn(() => 'prefix');
  return { health, placement, order, prefixKey };
}

describe('expandRefs', () => {
  it('sends a pool ref with an adapter to the replicas listing it, and the spillover without it', () => {
    const { health, placement, order, prefixKey } = setup();
    health.recordAdapters('b', ['sql-lora']);
    const planned = expandRefs([{ ref: 'llama-pool', adapter: 'sql-lora' }, { ref: 'cloud' }], {
      pools,
      placement,
      prefixKey,
    });
    expect(planned).toEqual([{ targetId: 'b', adapter: 'sql-lora' }, { targetId: 'cloud' }]);
    expect(order).toHaveBeenCalledWith(pool, { prefixKey: 'prefix', adapter: 'sql-lora' });
  });

  it('tries every replica with the adapter when no fresh list names it', () => {
    const { placement, prefixKey } = setup();
    const planned = expandRefs([{ ref: 'llama-pool', adapter: 'sql-lora' }], { pools, placement, prefixKey });
    expect(planned.map((p) => p.targetId).sort()).toEqual(['a', 'b', 'cloud']);
    expect(planned.filter((p) => p.adapter === 'sql-lora').map((p) => p.targetId)).toHaveLength(2);
  });

  it('keeps a direct target ref and its adapter, and computes no prefix key without a pool', () => {
    const { placement, prefixKey } = setup();
    const planned = expandRefs([{ ref: 'a', adapter: 'sql-lora' }, { ref: 'cloud' }], {
      pools,
      placement,
      prefixKey,
    });
    expect(planned).toEqual([{ targetId: 'a', adapter: 'sql-lora' }, { targetId: 'cloud' }]);
    expect(prefixKey).not.toHaveBeenCalled();
  });

  it('keeps the first place (and adapter) of a target reached twice', () => {
    const { health, placement, prefixKey } = setup();
    health.recordAdapters('a', ['sql-lora']);
    const planned = expandRefs([{ ref: 'a' }, { ref: 'llama-pool', adapter: 'sql-lora' }], {
      pools,
      placement,
      prefixKey,
    });
    expect(planned).toEqual([{ targetId: 'a' }, { targetId: 'cloud' }]);
  });

  it('plans only the spillover target when placement spills, and records the decision', () => {
    const { placement, prefixKey } = setup();
    placement.started('a');
    placement.started('b');
    const metrics = createGatewayMetrics();
    const planned = expandRefs([{ ref: 'llama-pool', adapter: 'sql-lora' }], {
      pools,
      placement,
      prefixKey,
      metrics,
    });
    expect(planned).toEqual([{ targetId: 'cloud' }]);
    expect(metrics.render()).toContain(
      'pool="llama-pool",policy="least-loaded",target="cloud",reason="spillover"} 1',
    );
  });

  it('asks placement without an adapter for a plain pool ref', () => {
    const order = vi.fn<Placement['order']>(() => ['b', 'a']);
    const placement: Placement = { order, started() {}, finished() {} };
    const planned = expandRefs([{ ref: 'llama-pool' }], { pools, placement, prefixKey: () => 'p' });
    expect(order).toHaveBeenCalledWith(pool, { prefixKey: 'p' });
    expect(planned).toEqual([{ targetId: 'b' }, { targetId: 'a' }, { targetId: 'cloud' }]);
  });
});

describe('upstreamModel', () => {
  it('is the adapter name when there is one, the target model otherwise', () => {
    const target = { id: 'a', kind: 'vllm' as const, model: 'meta-llama/Llama-3.1-8B-Instruct' };
    expect(upstreamModel(target, 'sql-lora')).toBe('sql-lora');
    expect(upstreamModel(target, undefined)).toBe('meta-llama/Llama-3.1-8B-Instruct');
  });
});
