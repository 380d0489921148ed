import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { ModelVersionRow } from '../../ports/registry-repositories.js';

/** Which version: a number, an alias (`latest` included), or neither for the latest. */
export interface ModelVersionRef {
  version?: number;
  alias?: string;
}

export const LATEST_ALIAS = 'latest';

/** The version a reference names now; 404 NOT_FOUND saying what is missing (model, version or alias). */
export async function resolveModelVersion(
  deps: Pick<AppDeps, 'metadata'>,
  tenantId: string,
  name: string,
  ref: ModelVersionRef,
): Promise<ModelVersionRow> {
  const { models } = deps.metadata;
  if (ref.version !== undefined) {
    const row = await models.get(tenantId, name, ref.version);
    if (row) return row;
    const latest = await models.latest(tenantId, name);
    if (!latest) throw modelNotFound(name);
    throw new ApiError(
      'NOT_FOUND',
      `model "${name}" has no version ${ref.version} (the latest is ${latest.version})`,
    );
  }
  if (ref.alias !== undefined && ref.alias !== LATEST_ALIAS) {
    const alias = await deps.metadata.labels.get(tenantId, 'model', name, ref.alias);
    if (!alias) {
      if (!(await models.latest(tenantId, name))) throw modelNotFound(name);
      throw new ApiError('NOT_FOUND', `model "${name}" has no alias "${ref.alias}"`);
    }
    const row = await models.get(tenantId, name, Number(alias.target));
    if (!row) throw new Error(`alias "${ref.alias}" of model "${name}" points at a missing version`);
    return row;
  }
  const latest = await models.latest(tenantId, name);
  if (!latest) throw modelNotFound(name);
  return latest;
}

export function modelNotFound(name: string): ApiError {
  return new ApiError('NOT_FOUND', `model "${name}" does not exist in the registry`);
}
