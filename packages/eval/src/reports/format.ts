import type {
  AbsoluteGateRecord,
  BaselineGateRecord,
  EvalRun,
  OperationalGateRecord,
} from '../run/eval-run.js';

/** Number formats shared by every report, so a console table and a PR comment show the same digits. */

export function formatScore(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : value.toFixed(3);
}

export function formatSignedScore(value: number): string {
  const text = value.toFixed(3);
  return value > 0 || (value === 0 && !text.startsWith('-')) ? `+${text}` : text;
}

export function formatPercent(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(1)}%`;
}

export function formatMs(ms: number | null): string {
  return ms === null ? '-' : `${Math.round(ms)} ms`;
}

/** Integer micro-dollars -> "$0.001500" (exact: integer arithmetic, no float division). */
export function formatDollars(micros: number | null): string {
  if (micros === null) return '-';
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(Math.round(micros));
  return `${sign}$${Math.floor(abs / 1_000_000)}.${String(abs % 1_000_000).padStart(6, '0')}`;
}

export function formatInterval(gate: BaselineGateRecord): string {
  const interval = `[${formatSignedScore(gate.ci[0])}, ${formatSignedScore(gate.ci[1])}]`;
  return gate.level === undefined ? interval : `${interval} (${Math.round(gate.level * 100)}%)`;
}

/** "PASSED", "FAILED", or "INCOMPLETE" (an infrastructure error is never reported as a quality failure). */
export function runStatus(run: Pick<EvalRun, 'summary'>): 'PASSED' | 'FAILED' | 'INCOMPLETE' {
  if (run.summary.incomplete) return 'INCOMPLETE';
  return run.summary.passed ? 'PASSED' : 'FAILED';
}

export function describeTarget(run: Pick<EvalRun, 'target'>): string {
  const { kind, id, description } = run.target;
  if (description !== undefined) return description.startsWith(kind) ? description : `${kind} ${description}`;
  return id === undefined ? kind : `${kind} ${id}`;
}

/** The target and, unless its description already shows it, the content hash it was scored on. */
export function describeTargetWithHash(run: Pick<EvalRun, 'target'>, prefix = ''): string {
  const described = describeTarget(run);
  return described.includes(run.target.contentHash)
    ? described
    : `${described} (${prefix}${run.target.contentHash})`;
}

/** "pass", "FAIL" or "-" over the absolute gates of one metric. */
export function absoluteGateCell(gates: readonly AbsoluteGateRecord[], metric: string): string {
  const own = gates.filter((gate) => gate.metric === metric);
  if (own.length === 0) return '-';
  return own.every((gate) => gate.passed) ? 'pass' : 'FAIL';
}

const FIGURE_LABELS: Record<OperationalGateRecord['figure'], string> = {
  latencyP50Ms: 'latency p50',
  latencyP95Ms: 'latency p95',
  costPerCaseMicros: 'cost per case',
  errorRate: 'error rate',
};

/** An operational figure in its own unit: ms, dollars or percent. */
export function formatFigure(figure: OperationalGateRecord['figure'], value: number): string {
  if (figure === 'costPerCaseMicros') return formatDollars(value);
  if (figure === 'errorRate') return formatPercent(value);
  return formatMs(value);
}

/** "latency p95 412 ms, max 500 ms": the figure of one operational gate against its limit. */
export function describeOperationalGate(gate: OperationalGateRecord): string {
  return `${FIGURE_LABELS[gate.figure]} ${formatFigure(gate.figure, gate.value)}, max ${formatFigure(gate.figure, gate.max)}`;
}
