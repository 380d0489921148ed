import type { ModelTargetSpec } from '../../ports/registry-repositories.js';
import type { RouteConfig } from '../gateway/gateway-config.js';

/**
 * The route a target/pool model version stands for: one target (or pool), with the LoRA adapter when
 * the version has one, named after the model so metrics, circuit breakers and usage records show it.
 */
export function routeForTargetSpec(name: string, spec: ModelTargetSpec): RouteConfig {
  const ref = spec.target ?? spec.pool;
  if (ref === undefined) throw new Error(`model "${name}": a target spec names neither a target nor a pool`);
  return {
    name,
    strategy: 'single',
    targets: [{ ref, ...(spec.adapter !== undefined && { adapter: spec.adapter }) }],
  };
}
