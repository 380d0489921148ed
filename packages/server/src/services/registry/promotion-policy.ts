import type { AppDeps } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import type { LabelSubject, PolicyDecision } from '../../ports/registry-repositories.js';
import { effectivePolicy } from '../evals/eval-policy.js';
import { evalGateDecision } from '../evals/promotion-gate.js';

export type { LabelSubject, PolicyDecision } from '../../ports/registry-repositories.js';

/** One proposed label move: `name` is '' for release labels (they are per tenant). */
export interface LabelMove {
  subject: LabelSubject;
  tenantId: string;
  name: string;
  label: string;
  /** The target the label points at now; null when the label is new. */
  from: string | null;
  to: string;
  principal: Principal;
}

/**
 * The one gate every label move passes (prompts, models, releases). A label the tenant's eval policy
 * gates (default: release `production`) moves only to a target a passing eval run covers
 * (services/evals/promotion-gate.ts); every other move is allowed and says so. It records nothing
 * itself: the label-move service stores the decision with the move.
 */
export async function decidePromotion(deps: AppDeps, move: LabelMove): Promise<PolicyDecision> {
  const what = move.subject === 'release' ? 'release label' : `${move.subject} "${move.name}" label`;
  const { policy } = await effectivePolicy(deps, move.tenantId);
  if (policy.gatedLabels[move.subject].includes(move.label)) {
    return evalGateDecision(deps, move, `${what} "${move.label}"`);
  }
  const from = move.from === null ? 'new' : `from ${move.from}`;
  return {
    allowed: true,
    reason: `no promotion gate applies: ${what} "${move.label}" (${from}, to ${move.to}) is allowed and recorded`,
    checks: [],
  };
}
