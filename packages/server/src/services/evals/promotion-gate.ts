import type { AppDeps } from '../../deps.js';
import type { EvalRunRow } from '../../ports/eval-repositories.js';
import type { PolicyDecision } from '../../ports/registry-repositories.js';
import type { LabelMove } from '../registry/promotion-policy.js';

/** How many recent completed runs the prompt and model gates look through for covering runs. */
const SCAN_LIMIT = 500;

type Check = PolicyDecision['checks'][number];

/**
 * The eval gate of one gated label move. A release label needs the latest completed run on exactly the
 * release (its content hash is its id) to have passed, complete. A prompt label to version v is covered by
 * a prompt-model run on `name@v` or a release run whose release pins `name@v`; a model alias to version v
 * by a release run pinning that model version: for each content hash among those, its latest run counts,
 * and one passing is enough.
 */
export async function evalGateDecision(
  deps: AppDeps,
  move: LabelMove,
  what: string,
): Promise<PolicyDecision> {
  const candidates = await coveringRuns(deps, move);
  const latestPerHash = new Map<string, EvalRunRow>();
  for (const run of candidates) {
    if (run.targetContentHash !== null && !latestPerHash.has(run.targetContentHash))
      latestPerHash.set(run.targetContentHash, run);
  }
  const latest = [...latestPerHash.values()];
  const passing = latest.find((run) => run.passed === true && run.incomplete === false);
  const subject = describeTarget(move);
  if (passing) {
    return {
      allowed: true,
      reason: `${what} is gated and ${subject} has a passing eval run (${passing.id}, suite "${passing.suiteName}")`,
      checks: [{ name: 'eval-run', passed: true, detail: runLine(passing, 'passed') }],
    };
  }
  if (latest.length === 0) {
    return {
      allowed: false,
      reason: `${what} is gated and ${subject} has no completed eval run; record one (POST /v1/evals/runs)`,
      checks: [{ name: 'eval-run', passed: false, detail: `no completed eval run on ${subject}` }],
    };
  }
  const checks: Check[] = latest.flatMap((run) => [
    { name: 'eval-run', passed: false, detail: runLine(run, run.incomplete ? 'incomplete' : 'failed') },
    ...run.failing.map((line) => ({ name: `eval-gate ${run.id}`, passed: false, detail: line })),
  ]);
  const failing = latest.flatMap((run) => run.failing);
  return {
    allowed: false,
    reason: `${what} is gated and the latest eval run on ${subject} did not pass: ${failing.join('; ') || 'failed'}`,
    checks,
  };
}

/** Completed runs that speak for the move's target, latest completed first within each kind. */
async function coveringRuns(deps: AppDeps, move: LabelMove): Promise<EvalRunRow[]> {
  const runs = deps.metadata.evalRuns;
  if (move.subject === 'release') {
    const latest = await runs.latestCompleted(move.tenantId, move.to);
    return latest ? [latest] : [];
  }
  const version = Number(move.to);
  const direct =
    move.subject === 'prompt'
      ? await runs.listCompleted(move.tenantId, {
          targetKind: 'prompt-model',
          targetId: `${move.name}@${version}`,
          limit: SCAN_LIMIT,
        })
      : [];
  const releaseRuns = await runs.listCompleted(move.tenantId, { targetKind: 'release', limit: SCAN_LIMIT });
  const pinning: EvalRunRow[] = [];
  for (const run of releaseRuns) {
    if (run.targetContentHash === null) continue;
    const release = await deps.metadata.releases.get(move.tenantId, run.targetContentHash);
    if (!release) continue;
    const pin = move.subject === 'prompt' ? release.pins.prompt : release.pins.model;
    if (pin && 'name' in pin && pin.name === move.name && pin.version === version) pinning.push(run);
  }
  return [...direct, ...pinning];
}

function describeTarget(move: LabelMove): string {
  return move.subject === 'release' ? `release ${move.to}` : `${move.subject} ${move.name}@${move.to}`;
}

function runLine(run: EvalRunRow, outcome: string): string {
  return `${run.id} (suite "${run.suiteName}", ${run.targetKind} ${run.targetContentHash}, completed ${run.completedAt}): ${outcome}`;
}
