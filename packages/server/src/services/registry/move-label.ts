import { type LabelOverride, labelNameSchema } from '@ragline/sdk/contracts';
import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { LabelRow, PolicyDecision } from '../../ports/registry-repositories.js';
import { parseBody } from '../../routes/validate.js';
import { decidePromotion, type LabelMove } from './promotion-policy.js';

export interface LabelMoveResult {
  label: LabelRow;
  /** Where the label pointed before; null when it is new. */
  previous: string | null;
  /** false: the label already pointed at the target (nothing recorded, the policy not asked). */
  moved: boolean;
  /** The policy's decision for this move; null when nothing moved. */
  decision: PolicyDecision | null;
}

/**
 * Moves a label (the deploy and the rollback): asks the promotion policy, then points the label at
 * `to` and records the move with the decision, by compare-and-swap on the target read first. The
 * caller checks that `to` exists. A refusal is 409 PROMOTION_REFUSED (not retryable; nothing is
 * recorded); losing the race to a concurrent move is 409 CONFLICT (retryable: the retry asks the policy
 * again about the move from the new target). `override` (admin keys only, else 403 FORBIDDEN) moves the
 * label although the policy refuses, recording the override and the failed checks with the move.
 */
export async function moveLabel(
  deps: AppDeps,
  request: Omit<LabelMove, 'from'> & { override?: LabelOverride },
): Promise<LabelMoveResult> {
  const label = parseBody(labelNameSchema, request.label, 'label');
  const { tenantId, subject, name, override } = request;
  if (override && !request.principal.admin) {
    throw new ApiError('FORBIDDEN', 'override: only an admin key may override the promotion policy');
  }
  const current = await deps.metadata.labels.get(tenantId, subject, name, label);
  if (current?.target === request.to) {
    return { label: current, previous: current.target, moved: false, decision: null };
  }
  const from = current?.target ?? null;
  const { override: _, ...move } = request;
  const policyDecision = await decidePromotion(deps, { ...move, label, from });
  const decision = override ? overridden(policyDecision, override, request.principal.keyId) : policyDecision;
  const subjectText = describeSubject(request);
  if (!decision.allowed) {
    throw new ApiError(
      'PROMOTION_REFUSED',
      `moving ${subjectText} label "${label}" to ${request.to} was refused: ${decision.reason}`,
      { details: { decision } },
    );
  }
  const written = await deps.metadata.labels.set({
    tenantId,
    subject,
    name,
    label,
    expected: from,
    target: request.to,
    at: deps.clock.now().toISOString(),
    by: request.principal.keyId,
    decision,
  });
  if (!written) {
    throw new ApiError(
      'CONFLICT',
      `${subjectText} label "${label}" was moved by someone else while this move was decided; retry`,
    );
  }
  deps.logger.info('label moved', {
    subject,
    name,
    label,
    from,
    to: request.to,
    by: request.principal.keyId,
  });
  return { label: written, previous: from, moved: true, decision };
}

/**
 * An admin override of a refusal: allowed, with the reason and who in the decision, and the policy's
 * failed checks kept so the history shows what was overridden. An allowed move needs no override.
 */
function overridden(decision: PolicyDecision, override: LabelOverride, by: string): PolicyDecision {
  if (decision.allowed) return decision;
  return {
    allowed: true,
    reason: `overridden by admin key ${by}: ${override.reason} (the policy refused: ${decision.reason})`,
    checks: decision.checks,
    override: { reason: override.reason, by },
  };
}

function describeSubject(move: Pick<LabelMove, 'subject' | 'name'>): string {
  return move.subject === 'release' ? 'release' : `${move.subject} "${move.name}"`;
}
