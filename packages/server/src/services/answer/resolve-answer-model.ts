import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import { resolveRouteForKey } from '../gateway/resolve-route.js';
import { assertModelAllowed } from '../keys/model-patterns.js';
import { routeForModelPin } from '../releases/resolve-release.js';
import type { AnswerSource } from './answer-source.js';
import type { AnswerModel } from './call-answer-model.js';

/**
 * True when this server can call no model for the tenant: no gateway, or neither the config file nor
 * the tenant has a route (the embedded default). Answers are then extractive unless the request
 * insists on `mode: "generative"`.
 */
export async function noModelConfigured(deps: AppDeps, tenantId: string): Promise<boolean> {
  if (!deps.gateway) return true;
  if (deps.gateway.config.routes.length > 0) return false;
  return (await deps.metadata.routes.listCurrent(tenantId)).length === 0;
}

/**
 * The route the answer calls: the release's model pin (its pinned route version), else the route the
 * request names, else the prompt's model config; null when nothing names one (or the release pins no
 * model: its prompt's config is not consulted). The key's model
 * allow-list applies (403 naming the route); a named route that does not exist is a 404 naming it.
 */
export async function resolveAnswerModel(
  deps: AppDeps,
  principal: Principal,
  source: AnswerSource,
  promptModel: string | undefined,
): Promise<AnswerModel | null> {
  if (source.model?.kind === 'pin') {
    if (source.model.pin === null) return null;
    const pinned = await routeForModelPin(deps, principal.tenantId, source.model.pin);
    assertModelAllowed(principal.allowedModels, pinned.name);
    return { name: pinned.name, route: pinned.route, version: pinned.version };
  }
  const [field, name] =
    source.model?.kind === 'route'
      ? ['model', source.model.name]
      : promptModel
        ? ['the prompt model config', promptModel]
        : [null, null];
  if (field === null || name === null) return null;
  const resolved = await resolveRouteForKey(deps, principal, name);
  if (!resolved) throw new ApiError('NOT_FOUND', `${field}: the model route "${name}" does not exist`);
  return { name, route: resolved.route, version: resolved.version };
}
