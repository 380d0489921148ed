import type { ScoredRun } from '../run/eval-run.js';
import { summarizeRun } from '../run/summarize-run.js';
import {
  absoluteGateCell,
  describeOperationalGate,
  describeTargetWithHash,
  formatDollars,
  formatInterval,
  formatMs,
  formatPercent,
  formatScore,
  formatSignedScore,
  runStatus,
} from './format.js';
import { renderTextTable } from './text-table.js';

/** The summary a terminal shows after `ragline eval run`: one row per metric, then the operational line. */
export function renderConsoleReport(run: ScoredRun): string {
  const stats = summarizeRun(run);
  const cached = run.cases.reduce(
    (sum, item) => sum + item.repeats.filter((repeat) => repeat.cached === true).length,
    0,
  );
  const rows = stats.metrics.map((metric) => {
    const config = run.metrics.find((candidate) => candidate.name === metric.name);
    const baseline = run.gates.baseline.find((gate) => gate.metric === metric.name);
    return [
      metric.name,
      formatScore(metric.mean),
      formatPercent(metric.passRate),
      formatScore(config?.threshold),
      absoluteGateCell(run.gates.absolute, metric.name),
      baseline === undefined ? '-' : formatSignedScore(baseline.meanDiff),
      baseline === undefined ? '-' : formatInterval(baseline),
      baseline === undefined ? '-' : baseline.verdict,
    ];
  });
  const table = renderTextTable(
    ['metric', 'mean', 'pass rate', 'threshold', 'gate', 'vs baseline', 'interval', 'verdict'],
    rows,
    ['left', 'right', 'right', 'right', 'left', 'right', 'left', 'left'],
  );
  const lines = [
    `suite   ${run.suite.name} (${run.suite.hash})`,
    `target  ${describeTargetWithHash(run)}`,
    '',
    table,
    '',
    [
      `cases ${stats.cases}`,
      `repeats ${stats.repeats}`,
      `errors ${stats.errors} (${formatPercent(stats.errorRate)})`,
      `latency p50 ${formatMs(stats.latencyP50Ms)}, p95 ${formatMs(stats.latencyP95Ms)}`,
      `cost/case ${formatDollars(stats.costPerCaseMicros)}`,
      ...(cached > 0 ? [`cached ${cached} of ${stats.repeats}`] : []),
    ].join(' | '),
  ];
  for (const gate of run.gates.operational ?? []) {
    lines.push(`operational gate: ${describeOperationalGate(gate)}: ${gate.passed ? 'pass' : 'FAIL'}`);
  }
  if (run.gates.quarantined !== undefined && run.gates.quarantined.length > 0) {
    lines.push(`quarantined (flaky): ${run.gates.quarantined.join(', ')}`);
  }
  lines.push(`result: ${runStatus(run)}`);
  return `${lines.join('\n')}\n`;
}
