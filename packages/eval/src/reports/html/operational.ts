import type { EvalRun } from '../../run/eval-run.js';
import type { RunStatistics } from '../../run/summarize-run.js';

export interface OperationalFigures {
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  /** Integer micro-dollars. */
  costPerCaseMicros: number | null;
  errorRate: number;
  /** Calls answered from the run cache, when the run records it. */
  cached?: number;
  calls?: number;
  /** 'run' when the run document carried them (`summary.operational`), 'computed' when derived from repeats. */
  source: 'run' | 'computed';
}

/**
 * The run's own operational figures when it records them (`summary.operational`), otherwise the ones
 * computed from its repeats, so run documents written before they were recorded still get the line.
 */
export function operationalFigures(run: EvalRun, stats: RunStatistics): OperationalFigures {
  const recorded = run.summary.operational;
  if (recorded !== undefined) return { ...recorded, source: 'run' };
  return {
    latencyP50Ms: stats.latencyP50Ms,
    latencyP95Ms: stats.latencyP95Ms,
    costPerCaseMicros: stats.costPerCaseMicros,
    errorRate: stats.errorRate,
    source: 'computed',
  };
}
