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

export interface MarkdownReportOptions {
  /** The baseline run; with it the report lists the cases that got worst. */
  baseline?: ScoredRun;
  /** How many worst regressions to list (default 5). */
  worstRegressions?: number;
}

export interface CaseRegression {
  caseId: string;
  metric: string;
  baseline: number;
  candidate: number;
  /** candidate - baseline, as measured (negative is worse only for higher-is-better metrics). */
  change: number;
}

/** A pull request comment: summary table, gate verdicts with their intervals, the worst regressions. */
export function renderMarkdownReport(run: ScoredRun, options: MarkdownReportOptions = {}): string {
  const stats = summarizeRun(run);
  const target = describeTargetWithHash(run, 'content ');
  const errors = `${stats.errors} ${stats.errors === 1 ? 'error' : 'errors'}`;
  const lines = [
    `### Ragline eval: ${escapeMarkdown(run.suite.name)}: ${runStatus(run)}`,
    '',
    `Target ${escapeMarkdown(target)} · suite hash ${escapeMarkdown(run.suite.hash)} · ${stats.cases} cases, ${stats.repeats} repeats, ${errors} · @ragline/eval ${escapeMarkdown(run.libraryVersion)}`,
    '',
    '| Metric | Mean | Pass rate | Threshold | Gate |',
    '| --- | ---: | ---: | ---: | --- |',
    ...stats.metrics.map((metric) => {
      const threshold = run.metrics.find((config) => config.name === metric.name)?.threshold;
      const gate = absoluteGateCell(run.gates.absolute, metric.name);
      return row([
        escapeMarkdown(metric.name),
        formatScore(metric.mean),
        formatPercent(metric.passRate),
        formatScore(threshold),
        gate === 'FAIL' ? '**FAIL**' : gate,
      ]);
    }),
    '',
    `Latency p50 ${formatMs(stats.latencyP50Ms)}, p95 ${formatMs(stats.latencyP95Ms)} · cost per case ${formatDollars(stats.costPerCaseMicros)} · error rate ${formatPercent(stats.errorRate)}`,
  ];
  const operationalGates = run.gates.operational ?? [];
  if (operationalGates.length > 0) {
    lines.push(
      '',
      '| Operational gate | Verdict |',
      '| --- | --- |',
      ...operationalGates.map((gate) =>
        row([escapeMarkdown(describeOperationalGate(gate)), gate.passed ? 'pass' : '**FAIL**']),
      ),
    );
  }
  if (run.summary.incomplete) {
    lines.push(
      '',
      '> Incomplete: some cases could not be scored (target or judge unreachable); this is not a quality verdict.',
    );
  }
  if (run.gates.baseline.length > 0) {
    const ref = run.gates.baselineRef;
    lines.push('', '#### Baseline comparison', '');
    if (ref !== undefined) {
      lines.push(
        `Against content ${escapeMarkdown(ref.contentHash)} (run of ${escapeMarkdown(ref.startedAt)}).`,
        '',
      );
    }
    lines.push(
      '| Metric | Paired cases | Mean diff | Interval | Margin | Verdict |',
      '| --- | ---: | ---: | --- | ---: | --- |',
      ...run.gates.baseline.map((gate) =>
        row([
          escapeMarkdown(gate.metric),
          String(gate.n),
          formatSignedScore(gate.meanDiff),
          formatInterval(gate),
          formatScore(gate.margin),
          gate.verdict === 'regressed' ? '**regressed**' : gate.verdict,
        ]),
      ),
    );
  }
  if (run.gates.quarantined !== undefined && run.gates.quarantined.length > 0) {
    lines.push('', `Quarantined as flaky: ${run.gates.quarantined.map(escapeMarkdown).join(', ')}`);
  }
  if (options.baseline !== undefined) {
    const worst = worstRegressions(run, options.baseline, options.worstRegressions ?? 5);
    lines.push('', '#### Worst regressions', '');
    if (worst.length === 0) lines.push('No case scored worse than in the baseline.');
    else {
      lines.push(
        '| Case | Metric | Baseline | Candidate | Change |',
        '| --- | --- | ---: | ---: | ---: |',
        ...worst.map((item) =>
          row([
            escapeMarkdown(item.caseId),
            escapeMarkdown(item.metric),
            formatScore(item.baseline),
            formatScore(item.candidate),
            formatSignedScore(item.change),
          ]),
        ),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Case x metric pairs that got worse, worst first: each side is the case's mean score over its scored
 * repeats, cases are paired by id, and "worse" follows the metric's direction. Ties: case id, then metric.
 */
export function worstRegressions(run: ScoredRun, baseline: ScoredRun, limit: number): CaseRegression[] {
  const baselineCases = new Map(baseline.cases.map((evalCase) => [evalCase.id, evalCase]));
  const found: { item: CaseRegression; harm: number }[] = [];
  for (const metric of run.metrics) {
    for (const evalCase of run.cases) {
      const before = baselineCases.get(evalCase.id);
      if (before === undefined) continue;
      const candidate = meanScore(evalCase.repeats, metric.name);
      const previous = meanScore(before.repeats, metric.name);
      if (candidate === null || previous === null) continue;
      const change = candidate - previous;
      const harm = metric.higherIsBetter ? -change : change;
      if (harm <= 0) continue;
      found.push({
        item: { caseId: evalCase.id, metric: metric.name, baseline: previous, candidate, change },
        harm,
      });
    }
  }
  found.sort(
    (a, b) =>
      b.harm - a.harm ||
      compareText(a.item.caseId, b.item.caseId) ||
      compareText(a.item.metric, b.item.metric),
  );
  return found.slice(0, limit).map((entry) => entry.item);
}

function meanScore(repeats: ScoredRun['cases'][number]['repeats'], metric: string): number | null {
  const scores = repeats.flatMap((repeat) =>
    repeat.scores[metric] === undefined ? [] : [repeat.scores[metric]],
  );
  return scores.length === 0 ? null : scores.reduce((sum, score) => sum + score, 0) / scores.length;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/**
 * Text safe in a GitHub Markdown table cell: markup characters backslash-escaped, HTML characters as
 * entities (so a case id cannot open a tag), line breaks as spaces (a newline would end the table row).
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]|#~]/g, (char) => `\\${char}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r\n|\r|\n/g, ' ');
}
