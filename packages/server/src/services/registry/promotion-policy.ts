import type { AppDeps } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import type { LabelSubject, PolicyDecision } from '../../ports/registry-repositories.js';

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
 * The one gate every label move passes (prompts, models, releases). Today it allows every move and
 * says so; issue #6 adds the evaluation gate (for example: `production` moves only to a release with a
 * passing eval run). It records nothing itself: the label-move service stores the decision with the move.
 */
export async function decidePromotion(_deps: AppDeps, move: LabelMove): Promise<PolicyDecision> {
  const what = move.subject === 'release' ? 'release label' : `${move.subject} "${move.name}" label`;
  const from = move.from === null ? 'new' : `from ${move.from}`;
  return {
    allowed: true,
    reason: `no promotion gates are configured: ${what} "${move.label}" (${from}, to ${move.to}) is allowed and recorded`,
    checks: [],
  };
}
