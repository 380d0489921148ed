import {
  type CreateEvalRunRequest,
  type EvalPolicy,
  type EvalPolicyView,
  type EvalRunDetail,
  type EvalRunInfo,
  type EvalRunList,
  evalPolicyViewSchema,
  evalRunDetailSchema,
  evalRunListSchema,
  evalRunSchema,
  type ListEvalRunsParams,
} from '../contracts/evals.js';
import type { Requester, RequestOptions } from '../core/request.js';

export interface EvalRuns {
  /** Runs a suite (`cases` inline) on the server, in the background; poll `get` for progress and the result. */
  create(input: CreateEvalRunRequest, options?: RequestOptions): Promise<EvalRunInfo>;
  /**
   * Stores a run the CLI produced (`ragline eval run --json`; an `EvalRun` of `@ragline/eval`), completed.
   * The server validates it and answers 400 naming the first bad field.
   */
  record(run: object, options?: RequestOptions): Promise<EvalRunDetail>;
  /** A run with its progress and, once completed, its summary, gates and document. */
  get(id: string, options?: RequestOptions): Promise<EvalRunDetail>;
  /** Newest first; filter by release (id) or target content hash. */
  list(params?: ListEvalRunsParams, options?: RequestOptions): Promise<EvalRunList>;
}

export interface EvalPolicies {
  /** The tenant's gating policy (the default when none was set). */
  get(options?: RequestOptions): Promise<EvalPolicyView>;
  /** Replaces a tenant's gating policy (admin keys; `tenant` defaults to the caller's). */
  set(policy: EvalPolicy & { tenant?: string }, options?: RequestOptions): Promise<EvalPolicyView>;
}

export interface Evals {
  readonly runs: EvalRuns;
  readonly policy: EvalPolicies;
}

export function createEvals(request: Requester): Evals {
  return {
    runs: {
      create: (input, options) =>
        request({ method: 'POST', path: '/v1/evals/runs', json: input, schema: evalRunSchema }, options),
      record: (run, options) =>
        request(
          { method: 'POST', path: '/v1/evals/runs', json: { run }, schema: evalRunDetailSchema },
          options,
        ),
      get: (id, options) =>
        request(
          { method: 'GET', path: `/v1/evals/runs/${encodeURIComponent(id)}`, schema: evalRunDetailSchema },
          options,
        ),
      list: (params = {}, options) =>
        request(
          {
            method: 'GET',
            path: '/v1/evals/runs',
            query: {
              release: params.release,
              contentHash: params.contentHash,
              status: params.status,
              limit: params.limit,
              before: params.before,
            },
            schema: evalRunListSchema,
          },
          options,
        ),
    },
    policy: {
      get: (options) =>
        request({ method: 'GET', path: '/v1/evals/policy', schema: evalPolicyViewSchema }, options),
      set: (policy, options) =>
        request(
          { method: 'PUT', path: '/v1/evals/policy', json: policy, schema: evalPolicyViewSchema },
          options,
        ),
    },
  };
}
