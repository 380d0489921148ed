import type { LabelOverride } from '@ragline/sdk/contracts';
import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import { type LabelMoveResult, moveLabel } from '../registry/move-label.js';
import { promptNotFound } from './resolve-prompt-version.js';

/** Points a prompt label at an existing version through the promotion policy (a rollback is a move back). */
export async function setPromptLabel(
  deps: AppDeps,
  principal: Principal,
  name: string,
  label: string,
  version: number,
  /** Admin keys only: move although the promotion policy refuses (recorded). */
  override?: LabelOverride,
): Promise<LabelMoveResult> {
  const row = await deps.metadata.prompts.get(principal.tenantId, name, version);
  if (!row) {
    const latest = await deps.metadata.prompts.latest(principal.tenantId, name);
    if (!latest) throw promptNotFound(name);
    throw new ApiError(
      'NOT_FOUND',
      `prompt "${name}" has no version ${version} (the latest is ${latest.version})`,
    );
  }
  // versions are never deleted, so the target cannot disappear between this check and the move
  return moveLabel(deps, {
    subject: 'prompt',
    tenantId: principal.tenantId,
    name,
    label,
    to: String(version),
    principal,
    ...(override ? { override } : {}),
  });
}
