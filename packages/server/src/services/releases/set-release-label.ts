import type { LabelOverride } from '@ragline/sdk/contracts';
import { releaseLabelNameSchema } from '@ragline/sdk/contracts';
import type { AppDeps } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import { parseBody } from '../../routes/validate.js';
import { type LabelMoveResult, moveLabel } from '../registry/move-label.js';
import { resolveRelease } from './resolve-release.js';

/**
 * Points a release label (`production`, `staging`, ...) at a release, through the promotion policy:
 * the deploy, and (moving it back) the rollback. `release` is an id, or another label resolved now
 * (promote what `staging` points at to `production`).
 */
export async function setReleaseLabel(
  deps: AppDeps,
  principal: Principal,
  label: string,
  release: string,
  /** Admin keys only: move although the promotion policy refuses (recorded). */
  override?: LabelOverride,
): Promise<LabelMoveResult> {
  const checked = parseBody(releaseLabelNameSchema, label, 'label');
  const target = await resolveRelease(deps, principal.tenantId, release);
  return moveLabel(deps, {
    subject: 'release',
    tenantId: principal.tenantId,
    name: '',
    label: checked,
    to: target.id,
    principal,
    ...(override ? { override } : {}),
  });
}
