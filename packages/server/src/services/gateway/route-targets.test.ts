import { describe, expect, it } from 'vitest';
import type { GatewayConfig } from './gateway-config.js';
import { targetsOfRoute } from './route-targets.js';

const config: GatewayConfig = {
  targets: [
    { id: 'a', kind: 'vllm', model: 'llama', baseURL: 'http://a.test/v1' },
    { id: 'b', kind: 'vllm', model: 'llama', baseURL: 'http://b.test/v1' },
    { id: 'cloud', kind: 'openai-compatible', model: 'gpt-4o-mini', baseURL: 'http://cloud.test/v1' },
  ],
  pools: [{ id: 'pool', replicas: ['a', 'b'], placement: 'least-loaded', spillover: { target: 'cloud' } }],
  routes: [],
};

describe('targetsOfRoute', () => {
  it('expands pools into replicas and spillover, once each, skipping unknown refs', () => {
    const ids = targetsOfRoute(
      {
        name: 'r',
        strategy: 'fallback',
        targets: [{ ref: 'pool' }, { ref: 'cloud' }, { ref: 'gone' }, { ref: 'a' }],
      },
      config,
    ).map((t) => t.id);
    expect(ids).toEqual(['a', 'b', 'cloud']);
  });
});
