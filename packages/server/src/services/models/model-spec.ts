import type { modelSpecInputSchema } from '@ragline/sdk/contracts';
import type { z } from 'zod';
import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import type { ModelSpec } from '../../ports/registry-repositories.js';
import { checkRoute } from '../gateway/config-references.js';
import type { GatewayConfig } from '../gateway/gateway-config.js';
import { resolveRouteForKey } from '../gateway/resolve-route.js';
import { routeForTargetSpec } from './model-route.js';

export type ModelSpecInput = z.output<typeof modelSpecInputSchema>;

const EMPTY: GatewayConfig = { targets: [], pools: [], routes: [] };

/**
 * Checks a new version's spec against the gateway and fills in what it leaves out: a route's current
 * version (and where it lives), a target's or pool's base model. 404 for a route that does not exist,
 * 400 naming the field for an unknown target or pool, a base model the target does not serve, or an
 * adapter the target cannot serve.
 */
export async function resolveModelSpec(
  deps: AppDeps,
  principal: Principal,
  name: string,
  input: ModelSpecInput,
): Promise<ModelSpec> {
  if (input.route !== undefined) {
    const version = input.routeVersion;
    const resolved = await resolveRouteForKey(deps, principal, input.route, version ? { version } : {});
    if (!resolved) {
      throw new ApiError(
        'NOT_FOUND',
        version
          ? `spec.routeVersion: route "${input.route}" has no version ${version}`
          : `spec.route: route "${input.route}" does not exist`,
      );
    }
    return { route: input.route, routeVersion: resolved.version, source: resolved.source };
  }

  if (principal.allowedModels !== null) {
    // Like route changes: a target spec could point an allowed model name at any target.
    throw new ApiError(
      'FORBIDDEN',
      'this API key has a model allow-list and cannot register target or pool models; use a route spec, or a key without one',
    );
  }
  const config = deps.gateway?.config ?? EMPTY;
  const field = input.target !== undefined ? 'target' : 'pool';
  const ref = (input.target ?? input.pool) as string;
  const served = servedModel(config, field, ref);
  const route = routeForTargetSpec(name, {
    [field]: ref,
    baseModel: served,
    ...(input.adapter !== undefined && { adapter: input.adapter }),
  });
  const problems = checkRoute(route, config).map((problem) =>
    problem.replace(/^targets\[0\]\.ref/, `spec.${field}`).replace(/^targets\[0\]\.adapter/, 'spec.adapter'),
  );
  if (problems.length > 0) throw invalidSpec(problems[0] as string);
  if (input.baseModel !== undefined && input.baseModel !== served) {
    throw invalidSpec(
      `spec.baseModel: ${field} "${ref}" serves "${served}", not "${input.baseModel}" (leave baseModel out to use it)`,
    );
  }
  return {
    [field]: ref,
    baseModel: served,
    ...(input.adapter !== undefined && { adapter: input.adapter }),
  };
}

/** The model a target serves, or the one a pool's replicas all serve. */
function servedModel(config: GatewayConfig, field: 'target' | 'pool', ref: string): string {
  if (field === 'target') {
    const target = config.targets.find((t) => t.id === ref);
    if (target) return target.model;
    const hint = config.pools.some((p) => p.id === ref) ? ` ("${ref}" is a pool: use spec.pool)` : '';
    throw invalidSpec(`spec.target: unknown target "${ref}"${hint}`);
  }
  const pool = config.pools.find((p) => p.id === ref);
  if (!pool) {
    const hint = config.targets.some((t) => t.id === ref) ? ` ("${ref}" is a target: use spec.target)` : '';
    throw invalidSpec(`spec.pool: unknown pool "${ref}"${hint}`);
  }
  const replica = config.targets.find((t) => t.id === pool.replicas[0]);
  if (!replica) throw invalidSpec(`spec.pool: pool "${ref}" has no known replica`);
  return replica.model;
}

function invalidSpec(problem: string): ApiError {
  const at = problem.indexOf(': ');
  return new ApiError('INVALID_REQUEST', problem, {
    details: { issues: [{ field: problem.slice(0, at), message: problem.slice(at + 2) }] },
  });
}
