import { parseRun, RunParseError } from '@ragline/eval';
import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import type { EvalRunRecord } from '../../ports/eval-repositories.js';
import { completionOf } from './run-completion.js';

/** Stores a run document the CLI produced, completed. A document that is not an EvalRun is 400 naming the field. */
export async function recordRun(
  deps: AppDeps,
  principal: Principal,
  document: unknown,
): Promise<EvalRunRecord> {
  let run: ReturnType<typeof parseRun>;
  try {
    run = parseRun(document);
  } catch (error) {
    if (error instanceof RunParseError) {
      throw new ApiError('INVALID_REQUEST', error.message, {
        details: { issues: [{ field: error.path, message: error.message }] },
      });
    }
    throw error;
  }
  const at = deps.clock.now().toISOString();
  const total = run.cases.reduce((sum, item) => sum + item.repeats.length, 0);
  return deps.metadata.evalRuns.insert(
    {
      tenantId: principal.tenantId,
      id: deps.ids.next('evr'),
      source: 'recorded',
      suiteName: run.suite.name,
      targetKind: run.target.kind,
      targetId: run.target.id ?? null,
      createdAt: at,
      createdBy: principal.keyId,
      progressTotal: total,
    },
    completionOf(run, at),
  );
}
