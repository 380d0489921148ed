import type { AppDeps } from '../../deps.js';
import { DEFAULT_EVAL_POLICY, type EvalPolicy, type EvalPolicyRow } from '../../ports/eval-repositories.js';

/** The tenant's gating policy: the stored one, or the default (release `production` only). */
export async function effectivePolicy(
  deps: AppDeps,
  tenantId: string,
): Promise<{ policy: EvalPolicy; stored: EvalPolicyRow | null }> {
  const stored = await deps.metadata.evalPolicies.get(tenantId);
  return { policy: stored?.policy ?? DEFAULT_EVAL_POLICY, stored };
}
