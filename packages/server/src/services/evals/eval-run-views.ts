import type { EvalPolicyView, EvalRunDetail, EvalRunInfo } from '@ragline/sdk/contracts';
import type { EvalPolicy, EvalPolicyRow, EvalRunRecord, EvalRunRow } from '../../ports/eval-repositories.js';

export function evalRunView(row: EvalRunRow): EvalRunInfo {
  return {
    id: row.id,
    source: row.source,
    status: row.status,
    progress: row.progress,
    suite: { name: row.suiteName, hash: row.suiteHash },
    target: { kind: row.targetKind, id: row.targetId, contentHash: row.targetContentHash },
    passed: row.passed,
    incomplete: row.incomplete,
    failing: row.failing,
    error: row.error,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    completedAt: row.completedAt,
  };
}

export function evalRunDetailView(record: EvalRunRecord): EvalRunDetail {
  const { run } = record;
  return {
    ...evalRunView(record),
    summary: run?.summary ?? null,
    gates: run ? (run.gates as unknown as Record<string, unknown>) : null,
    run: run as unknown as Record<string, unknown> | null,
  };
}

export function evalPolicyView(
  tenant: string,
  policy: EvalPolicy,
  stored: EvalPolicyRow | null,
): EvalPolicyView {
  return {
    tenant,
    policy,
    isDefault: stored === null,
    updatedAt: stored?.updatedAt ?? null,
    updatedBy: stored?.updatedBy ?? null,
  };
}
