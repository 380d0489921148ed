import { z } from 'zod';
import { labelNameSchema } from './prompts.js';

/** `ragline eval` and the server store runs as `EvalRun` documents (`@ragline/eval`); the SDK keeps them as JSON. */
export const evalRunDocumentSchema = z.record(z.string(), z.unknown());
export type EvalRunDocument = z.infer<typeof evalRunDocumentSchema>;

/** `POST /v1/evals/runs` with a run the CLI produced: stored completed (201). */
export const recordEvalRunRequestSchema = z.object({ run: evalRunDocumentSchema }).strict();
export type RecordEvalRunRequest = z.input<typeof recordEvalRunRequestSchema>;

/**
 * `POST /v1/evals/runs` with a suite (`cases` inline, every URL this server): run by the server in the
 * background, as the caller (202). `release` (a label or id) replaces the suite's target with that release.
 */
export const createEvalRunRequestSchema = z
  .object({
    suite: z.record(z.string(), z.unknown()),
    release: z.string().min(1).max(100).optional(),
    /** A completed eval run (`evr_...`) to compare with: the paired baseline gate, as `--baseline` in the CLI. */
    baseline: z.string().min(1).max(100).optional(),
  })
  .strict();
export type CreateEvalRunRequest = z.input<typeof createEvalRunRequestSchema>;

export const evalRunStatusSchema = z.enum(['queued', 'running', 'completed', 'failed']);
export type EvalRunStatus = z.infer<typeof evalRunStatusSchema>;

export const evalRunSummarySchema = z.object({
  cases: z.number().int(),
  errors: z.number().int(),
  incomplete: z.boolean(),
  passed: z.boolean(),
});

/** A run as listed: what it scored, where it stands, and why it did not pass. */
export const evalRunSchema = z.object({
  id: z.string(),
  /** `recorded` (a CLI run posted) or `server` (run by the server). */
  source: z.enum(['recorded', 'server']),
  status: evalRunStatusSchema,
  /** Target calls made of cases x repeats. */
  progress: z.object({ done: z.number().int(), total: z.number().int() }),
  suite: z.object({ name: z.string(), hash: z.string().nullable() }),
  /** `contentHash` is what promotion matches: a release run's is the release id. Known once completed. */
  target: z.object({
    kind: z.enum(['release', 'prompt-model', 'collection', 'endpoint']),
    id: z.string().nullable(),
    contentHash: z.string().nullable(),
  }),
  /** null until completed. */
  passed: z.boolean().nullable(),
  incomplete: z.boolean().nullable(),
  /** One line per failing gate, e.g. `exact_match mean 0.62 < 0.80`. */
  failing: z.array(z.string()),
  /** Why a failed run failed (it could not run; not a quality failure). */
  error: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  completedAt: z.string().nullable(),
});
export type EvalRunInfo = z.infer<typeof evalRunSchema>;

/** `GET /v1/evals/runs/{id}`: the run, and once completed its summary, gate results and whole document. */
export const evalRunDetailSchema = evalRunSchema.extend({
  summary: evalRunSummarySchema.nullable(),
  gates: z.record(z.string(), z.unknown()).nullable(),
  run: evalRunDocumentSchema.nullable(),
});
export type EvalRunDetail = z.infer<typeof evalRunDetailSchema>;

export const evalRunListSchema = z.object({
  data: z.array(evalRunSchema),
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: z.string().nullable(),
});
export type EvalRunList = z.infer<typeof evalRunListSchema>;

export interface ListEvalRunsParams {
  /** Runs on this release (a release id: a release run's content hash). */
  release?: string;
  /** Runs on this target content hash. */
  contentHash?: string;
  status?: EvalRunStatus;
  /** 1-100, default 20. */
  limit?: number;
  before?: string;
}

/** Which labels need a passing eval run to move. Default: `{release: ['production'], prompt: [], model: []}`. */
export const evalPolicySchema = z
  .object({
    gatedLabels: z
      .object({
        release: z.array(labelNameSchema).max(50),
        prompt: z.array(labelNameSchema).max(50),
        model: z.array(labelNameSchema).max(50),
      })
      .strict(),
  })
  .strict();
export type EvalPolicy = z.infer<typeof evalPolicySchema>;

/** `PUT /v1/evals/policy` (admin keys): replaces a tenant's policy; `tenant` defaults to the caller's. */
export const setEvalPolicyRequestSchema = evalPolicySchema.extend({
  tenant: z.string().min(1).max(100).optional(),
});
export type SetEvalPolicyRequest = z.input<typeof setEvalPolicyRequestSchema>;

export const evalPolicyViewSchema = z.object({
  tenant: z.string(),
  policy: evalPolicySchema,
  /** true: no policy was set, this is the default. */
  isDefault: z.boolean(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type EvalPolicyView = z.infer<typeof evalPolicyViewSchema>;
