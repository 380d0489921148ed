import { type EvalRunStatus, evalRunStatusSchema, setEvalPolicyRequestSchema } from '@ragline/sdk/contracts';
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../core/api-error.js';
import { requireAdmin } from '../middleware/auth/index.js';
import { effectivePolicy } from '../services/evals/eval-policy.js';
import { evalPolicyView, evalRunDetailView, evalRunView } from '../services/evals/eval-run-views.js';
import { recordRun } from '../services/evals/record-run.js';
import { startServerRun } from '../services/evals/start-server-run.js';
import { parseBody, readJson } from './validate.js';

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

const listQuerySchema = z
  .object({
    release: z.string().min(1).max(100).optional(),
    contentHash: z.string().min(1).max(200).optional(),
    status: evalRunStatusSchema.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
    before: z.string().min(1).max(100).optional(),
  })
  .strict()
  .refine((q) => q.release === undefined || q.contentHash === undefined, {
    path: ['contentHash'],
    message: 'give release or contentHash, not both (a release run’s content hash is the release id)',
  });

/** Sends a request to the app in process; `app.ts` passes its own `fetch`. */
export type AppFetch = (request: Request) => Response | Promise<Response>;

/**
 * Evaluation: `POST /evals/runs` records a CLI run (`{run}`, 201) or runs a suite here (`{suite, release?}`,
 * 202, in the background, as the caller: its calls go to this app in process with the caller's key, so
 * tenancy, allow-lists and metering apply); `GET /evals/runs[/{id}]`; `GET|PUT /evals/policy` (PUT: admin
 * keys, since loosening the policy lifts the gate).
 *
 * Limits of server-side runs: they live in the process that started them. On Node a restart ends them
 * (they stay `running`; record a CLI run instead); on Workers they run under the request's `waitUntil`,
 * which allows about 30 s after the response: longer suites belong in the CLI (`ragline eval`), recorded.
 */
export function evalRoutes(appFetch: AppFetch): Hono {
  return new Hono()
    .post('/evals/runs', async (c) => {
      const deps = c.get('deps');
      const principal = c.get('principal');
      const body = await readJson(c.req);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new ApiError(
          'INVALID_REQUEST',
          'body: expected an object with `run` (record) or `suite` (run here)',
        );
      }
      const { run, suite, release, baseline, ...rest } = body as Record<string, unknown>;
      const extra = Object.keys(rest)[0];
      if (extra !== undefined) throw new ApiError('INVALID_REQUEST', `${extra}: unknown field`);
      if ((run === undefined) === (suite === undefined)) {
        throw new ApiError('INVALID_REQUEST', 'run: give exactly one of `run` (a run document) and `suite`');
      }
      if (run !== undefined) {
        if (release !== undefined) throw new ApiError('INVALID_REQUEST', 'release: only with `suite`');
        if (baseline !== undefined) throw new ApiError('INVALID_REQUEST', 'baseline: only with `suite`');
        return c.json(evalRunDetailView(await recordRun(deps, principal, run)), 201);
      }
      if (release !== undefined && (typeof release !== 'string' || release === '')) {
        throw new ApiError('INVALID_REQUEST', 'release: expected a release label or id');
      }
      if (baseline !== undefined && (typeof baseline !== 'string' || baseline === '')) {
        throw new ApiError('INVALID_REQUEST', 'baseline: expected the id of a completed eval run (evr_...)');
      }
      const row = await startServerRun(
        deps,
        principal,
        {
          suite,
          ...(release === undefined ? {} : { release: release as string }),
          ...(baseline === undefined ? {} : { baseline: baseline as string }),
        },
        {
          origin: new URL(c.req.url).origin,
          authorization: c.req.header('authorization') ?? '',
          appFetch,
          ...backgroundTasks(c),
        },
      );
      return c.json(evalRunView(row), 202);
    })
    .get('/evals/runs', async (c) => {
      const query = parseBody(listQuerySchema, c.req.query());
      const contentHash = query.release ?? query.contentHash;
      const rows = await c.get('deps').metadata.evalRuns.list(c.get('principal').tenantId, {
        limit: query.limit,
        ...(query.before ? { before: query.before } : {}),
        ...(contentHash ? { targetContentHash: contentHash } : {}),
        ...(query.status ? { status: query.status as EvalRunStatus } : {}),
      });
      return c.json({
        data: rows.map(evalRunView),
        nextBefore: rows.length === query.limit ? (rows.at(-1)?.id ?? null) : null,
      });
    })
    .get('/evals/runs/:id', async (c) => {
      const id = c.req.param('id');
      const record = await c.get('deps').metadata.evalRuns.get(c.get('principal').tenantId, id);
      if (!record) throw new ApiError('NOT_FOUND', `eval run "${id}" does not exist`);
      return c.json(evalRunDetailView(record));
    })
    .get('/evals/policy', async (c) => {
      const { tenantId } = c.get('principal');
      const { policy, stored } = await effectivePolicy(c.get('deps'), tenantId);
      return c.json(evalPolicyView(tenantId, policy, stored));
    })
    .put('/evals/policy', requireAdmin, async (c) => {
      const deps = c.get('deps');
      const principal = c.get('principal');
      const { tenant, ...policy } = parseBody(setEvalPolicyRequestSchema, await readJson(c.req));
      const tenantId = tenant ?? principal.tenantId;
      if (!(await deps.metadata.tenants.get(tenantId))) {
        throw new ApiError('NOT_FOUND', `tenant: "${tenantId}" does not exist`);
      }
      const stored = await deps.metadata.evalPolicies.set({
        tenantId,
        policy,
        updatedAt: deps.clock.now().toISOString(),
        updatedBy: principal.keyId,
      });
      return c.json(evalPolicyView(tenantId, stored.policy, stored));
    });
}

/** The Worker's `waitUntil`, when the runtime gives one (Node and Lambda have no execution context). */
function backgroundTasks(c: { executionCtx: { waitUntil(work: Promise<unknown>): void } }) {
  try {
    const ctx = c.executionCtx;
    return { waitUntil: ctx.waitUntil.bind(ctx) };
  } catch {
    return {};
  }
}
