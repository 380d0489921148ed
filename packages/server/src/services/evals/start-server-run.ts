import { type EvalRun, runSuite, type SuiteDefinition, SuiteError, validateSuite } from '@ragline/eval';
import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import type { EvalRunRecord } from '../../ports/eval-repositories.js';
import { resolveRelease } from '../releases/resolve-release.js';
import { type InProcessTarget, inProcessFetch } from './in-process-fetch.js';
import { latestValueWriter } from './latest-value-writer.js';
import { completionOf } from './run-completion.js';

export interface ServerRunContext extends Omit<InProcessTarget, 'onTargetCall'> {
  /** Workers: keeps the isolate alive for the run after the response (see routes/evals.ts for the limits). */
  waitUntil?: (work: Promise<unknown>) => void;
}

export interface StartRunInput {
  suite: unknown;
  /** A release label or id: replaces the suite's target with this release on this server. */
  release?: string;
  /** A completed eval run of the tenant (`evr_...`) to compare with, as `--baseline` does in the CLI. */
  baseline?: string;
}

const DEFAULT_KEY_ENV = 'RAGLINE_API_KEY';

/** Runs still going in this process, per app: `serverRunsSettled` waits for them (tests, shutdown). */
const inFlight = new WeakMap<AppDeps, Set<Promise<void>>>();

/**
 * Validates the suite, stores the run queued and runs it in the background against this server, as the
 * caller. Progress counts target calls (cases x repeats); the run ends completed (with its document) or
 * failed (with the error): a crash of the run is never lost.
 */
export async function startServerRun(
  deps: AppDeps,
  principal: Principal,
  input: StartRunInput,
  context: ServerRunContext,
): Promise<EvalRunRecord> {
  const suite = checkedSuite(withReleaseTarget(input, context.origin));
  if (input.release !== undefined) {
    await resolveRelease(deps, principal.tenantId, input.release);
    suite.target = { kind: 'release', release: input.release, server: context.origin };
  }
  checkUrlsAreThisServer(suite, context.origin);
  const baseline =
    input.baseline === undefined ? undefined : await baselineRun(deps, principal, input.baseline);
  const cases = suite.cases ?? [];
  const total = cases.length * (suite.repeats ?? 1);
  const repo = deps.metadata.evalRuns;
  const tenantId = principal.tenantId;
  const row = await repo.insert({
    tenantId,
    id: deps.ids.next('evr'),
    source: 'server',
    suiteName: suite.name,
    targetKind: suite.target.kind,
    targetId: suite.target.kind === 'release' ? suite.target.release : null,
    createdAt: deps.clock.now().toISOString(),
    createdBy: principal.keyId,
    progressTotal: total,
  });
  const now = () => deps.clock.now().toISOString();
  const logError = (message: string) => (error: unknown) =>
    deps.logger.error(message, { evalRun: row.id, error: errorText(error) });
  const progress = latestValueWriter(
    (done: number) => repo.progress(tenantId, row.id, done, now()),
    logError('eval run progress was not written'),
  );
  let done = 0;
  const fetch = inProcessFetch({ ...context, onTargetCall: () => progress.push(++done) });
  const work = (async () => {
    await repo.progress(tenantId, row.id, 0, now());
    const run = await runSuite(suite, {
      fetch,
      env: keyEnv(suite, context.authorization),
      ...(baseline === undefined ? {} : { baseline }),
    });
    await progress.settled();
    await repo.complete(tenantId, row.id, completionOf(run, now()));
    deps.logger.info('eval run completed', { evalRun: row.id, passed: run.summary.passed });
  })().catch(async (error: unknown) => {
    await progress.settled();
    logError('eval run failed')(error);
    await repo
      .fail(tenantId, row.id, errorText(error), now())
      .catch(logError('eval run failure was not written'));
  });
  let runs = inFlight.get(deps);
  if (!runs) {
    runs = new Set();
    inFlight.set(deps, runs);
  }
  const tracked = runs;
  tracked.add(work);
  void work.finally(() => tracked.delete(work));
  context.waitUntil?.(work);
  return row;
}

/** The stored document of a completed run of the caller's tenant, or a 4xx naming `baseline`. */
async function baselineRun(deps: AppDeps, principal: Principal, id: string): Promise<EvalRun> {
  const row = await deps.metadata.evalRuns.get(principal.tenantId, id);
  if (row === null) throw new ApiError('NOT_FOUND', `baseline: eval run "${id}" not found`);
  if (row.status !== 'completed' || row.run === null) {
    throw new ApiError('INVALID_REQUEST', `baseline: eval run "${id}" is ${row.status}, not completed`);
  }
  return row.run;
}

/** Resolves once every server-side run this app started has ended. */
export async function serverRunsSettled(deps: AppDeps): Promise<void> {
  const runs = inFlight.get(deps);
  while (runs && runs.size > 0) await Promise.all([...runs]);
}

/** With `release`, a suite may leave out its target: the release on this server is the target. */
function withReleaseTarget(input: StartRunInput, origin: string): unknown {
  const suite = input.suite;
  if (input.release === undefined || typeof suite !== 'object' || suite === null || 'target' in suite)
    return suite;
  return { ...suite, target: { kind: 'release', release: input.release, server: origin } };
}

function checkedSuite(input: unknown): SuiteDefinition {
  let suite: SuiteDefinition;
  try {
    suite = validateSuite(input, 'suite');
  } catch (error) {
    if (!(error instanceof SuiteError)) throw error;
    const field = error.path === '' ? 'suite' : `suite.${error.path}`;
    const prefix = `${error.file}: ${error.path === '' ? 'suite' : error.path}: `;
    const detail = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    throw new ApiError('INVALID_REQUEST', `${field}: ${detail}`, {
      details: { issues: [{ field, message: detail }] },
    });
  }
  if (suite.cases === undefined) {
    throw new ApiError(
      'INVALID_REQUEST',
      'suite.dataset: server-side runs take the cases inline (`cases`); the server reads no files',
    );
  }
  return suite;
}

/** Every URL of the suite must be this server: a server-side run calls nothing else. */
function checkUrlsAreThisServer(suite: SuiteDefinition, origin: string): void {
  const urls: [string, string | undefined][] = [
    suite.target.kind === 'endpoint'
      ? ['target.baseURL', suite.target.baseURL]
      : ['target.server', suite.target.server],
    ['judge.server', suite.judge?.server],
    ['embedder.server', suite.embedder?.server],
  ];
  for (const [field, url] of urls) {
    if (url === undefined || new URL(url).origin === origin) continue;
    throw new ApiError(
      'INVALID_REQUEST',
      `suite.${field}: ${url} is not this server (${origin}); a server-side run calls only the server it runs on`,
    );
  }
}

/** The caller's key under every env name the suite reads a key from; nothing of the server's own env. */
function keyEnv(suite: SuiteDefinition, authorization: string): Record<string, string> {
  const key = authorization.replace(/^Bearer\s+/i, '').trim();
  const names = [DEFAULT_KEY_ENV, suite.target.apiKeyEnv, suite.judge?.apiKeyEnv, suite.embedder?.apiKeyEnv];
  return Object.fromEntries(names.filter((name) => name !== undefined).map((name) => [name, key]));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
