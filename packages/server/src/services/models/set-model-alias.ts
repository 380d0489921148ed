import type { LabelOverride } from '@ragline/sdk/contracts';
import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import { type LabelMoveResult, moveLabel } from '../registry/move-label.js';
import { modelNotFound } from './resolve-model-version.js';

/**
 * Points a model alias (`champion`, `challenger`, custom) at an existing version through the promotion
 * policy; a rollback is a move back. The move is recorded in the label history.
 */
export async function setModelAlias(
  deps: AppDeps,
  principal: Principal,
  name: string,
  alias: string,
  version: number,
  /** Admin keys only: move although the promotion policy refuses (recorded). */
  override?: LabelOverride,
): Promise<LabelMoveResult> {
  const row = await deps.metadata.models.get(principal.tenantId, name, version);
  if (!row) {
    const latest = await deps.metadata.models.latest(principal.tenantId, name);
    if (!latest) throw modelNotFound(name);
    throw new ApiError(
      'NOT_FOUND',
      `model "${name}" has no version ${version} (the latest is ${latest.version})`,
    );
  }
  return moveLabel(deps, {
    subject: 'model',
    tenantId: principal.tenantId,
    name,
    label: alias,
    to: String(version),
    principal,
    ...(override ? { override } : {}),
  });
}
