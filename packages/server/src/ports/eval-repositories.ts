/**
 * Evaluation storage (issue #6): eval runs and each tenant's gating policy. Part of the MetadataStore
 * (`metadata.evalRuns`, `metadata.evalPolicies`); SQL stays in the adapter. Every method takes the tenant
 * id and never returns another tenant's rows.
 */
import type { EvalRun, EvalTargetKind } from '@ragline/eval';
import type { LabelSubject } from './registry-repositories.js';

export type EvalRunStatus = 'queued' | 'running' | 'completed' | 'failed';

/** `recorded`: a run document posted by the CLI; `server`: a suite this server ran. */
export type EvalRunSource = 'recorded' | 'server';

export interface EvalRunRow {
  tenantId: string;
  /** `evr_` + 24 hex digits. */
  id: string;
  source: EvalRunSource;
  status: EvalRunStatus;
  progress: { done: number; total: number };
  suiteName: string;
  /** Known once completed (for server runs). */
  suiteHash: string | null;
  targetKind: EvalTargetKind;
  targetId: string | null;
  /** A release run's content hash is the release id. Known once completed (for server runs). */
  targetContentHash: string | null;
  /** null until completed. */
  passed: boolean | null;
  incomplete: boolean | null;
  /** One line per reason the run did not pass, e.g. `exact_match mean 0.62 < 0.80`. */
  failing: string[];
  /** Why a failed run failed. */
  error: string | null;
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
  completedAt: string | null;
}

/** A run with its document (null until completed). Lists leave the document out: it holds every case. */
export interface EvalRunRecord extends EvalRunRow {
  run: EvalRun | null;
}

/** What completing a run writes: the document and what the gate reads from it. */
export interface EvalRunCompletion {
  suiteHash: string;
  targetId: string | null;
  targetContentHash: string;
  passed: boolean;
  incomplete: boolean;
  failing: string[];
  run: EvalRun;
  at: string;
}

export interface EvalRunListOptions {
  limit: number;
  /** The id of the last run of the previous page (runs are newest first). */
  before?: string;
  targetContentHash?: string;
  status?: EvalRunStatus;
}

export interface EvalRunRepository {
  /**
   * Inserts a run: a queued server run (no document yet), or a recorded run together with its completion
   * (stored completed in one statement). Rejects when the tenant does not exist or the id is taken.
   */
  insert(
    row: Pick<
      EvalRunRow,
      'tenantId' | 'id' | 'source' | 'suiteName' | 'targetKind' | 'targetId' | 'createdAt' | 'createdBy'
    > & { progressTotal: number },
    completion?: EvalRunCompletion,
  ): Promise<EvalRunRecord>;
  get(tenantId: string, id: string): Promise<EvalRunRecord | null>;
  /** Newest first. */
  list(tenantId: string, options: EvalRunListOptions): Promise<EvalRunRow[]>;
  /** Marks a queued or running run running with this progress; false when it is no longer queued or running. */
  progress(tenantId: string, id: string, done: number, at: string): Promise<boolean>;
  /** Completes a queued or running run; false (writing nothing) when it had already ended. */
  complete(tenantId: string, id: string, completion: EvalRunCompletion): Promise<boolean>;
  /** Fails a queued or running run with the error; false when it had already ended. */
  fail(tenantId: string, id: string, error: string, at: string): Promise<boolean>;
  /** The completed run with the highest completion order on this target content hash, or null. */
  latestCompleted(tenantId: string, targetContentHash: string): Promise<EvalRunRow | null>;
  /** Completed runs of one target kind (optionally one target id), latest completed first, at most `limit`. */
  listCompleted(
    tenantId: string,
    options: { targetKind: EvalTargetKind; targetId?: string; limit: number },
  ): Promise<EvalRunRow[]>;
}

/** Which labels need a passing eval run to move, per subject. */
export interface EvalPolicy {
  gatedLabels: Record<LabelSubject, string[]>;
}

export const DEFAULT_EVAL_POLICY: EvalPolicy = {
  gatedLabels: { release: ['production'], prompt: [], model: [] },
};

export interface EvalPolicyRow {
  tenantId: string;
  policy: EvalPolicy;
  updatedAt: string;
  updatedBy: string | null;
}

export interface EvalPolicyRepository {
  /** The tenant's stored policy, or null (the default applies). */
  get(tenantId: string): Promise<EvalPolicyRow | null>;
  /** Replaces the tenant's policy. Rejects when the tenant does not exist. */
  set(row: EvalPolicyRow): Promise<EvalPolicyRow>;
}
