import type { EvalRun } from '../../run/eval-run.js';
import type { RunStatistics } from '../../run/summarize-run.js';
import { formatPercent, formatScore } from '../format.js';
import { caseValues } from './case-values.js';
import { escapeHtml } from './escape-html.js';
import { type HistogramSeries, renderHistogramSvg } from './histogram.js';
import { failingMetrics } from './verdict.js';

/** Per metric: mean and pass rate (beside the baseline's when given) and the distribution of per-case scores. */
export function renderMetrics(
  run: EvalRun,
  stats: RunStatistics,
  baseline: EvalRun | undefined,
  baselineStats: RunStatistics | undefined,
): string {
  const failing = new Set(failingMetrics(run));
  const cards = run.metrics.map((metric) => {
    const own = stats.metrics.find((entry) => entry.name === metric.name);
    const before = baselineStats?.metrics.find((entry) => entry.name === metric.name);
    // Candidate bars solid, the baseline's drawn over them as outlines, so both stay readable.
    const series: HistogramSeries[] = [
      { name: 'candidate', label: 'candidate', values: caseScores(run, metric.name) },
    ];
    if (baseline !== undefined) {
      series.push({ name: 'baseline', label: 'baseline', values: caseScores(baseline, metric.name) });
    }
    const hasValues = series.some((entry) => entry.values.length > 0);
    const rows = [
      ['Kind', escapeHtml(metric.kind)],
      ['Better', metric.higherIsBetter ? 'higher' : 'lower'],
      ['Threshold', formatScore(metric.threshold)],
      ['Mean', withBaseline(formatScore(own?.mean), before && formatScore(before.mean))],
      [
        'Pass rate',
        withBaseline(formatPercent(own?.passRate ?? null), before && formatPercent(before.passRate)),
      ],
      ['Scored repeats', String(own?.scored ?? 0)],
    ];
    return [
      `<article class="metric-card${failing.has(metric.name) ? ' failing' : ''}" data-metric="${escapeHtml(metric.name)}" data-failing="${failing.has(metric.name)}">`,
      `<h3>${escapeHtml(metric.name)}${failing.has(metric.name) ? ' <span class="badge fail">failing</span>' : ''}</h3>`,
      `<dl class="facts">${rows.map(([term, value]) => `<dt>${term}</dt><dd class="mono">${value}</dd>`).join('')}</dl>`,
      hasValues
        ? renderHistogramSvg(metric.name, series)
        : '<p class="note">No case has a score for this metric.</p>',
      '</article>',
    ].join('');
  });
  return [
    '<section id="metrics">',
    '<h2>Metrics</h2>',
    `<div class="metrics">${cards.join('\n')}</div>`,
    '</section>',
  ].join('\n');
}

/** Each case's mean score over its scored repeats (one value per case, as the case table shows). */
function caseScores(run: EvalRun, metric: string): number[] {
  return run.cases.flatMap((evalCase) => {
    const score = caseValues(evalCase, [metric]).scores[metric];
    return score === undefined ? [] : [score];
  });
}

function withBaseline(candidate: string, baseline: string | undefined): string {
  return baseline === undefined ? candidate : `${candidate} <span class="note">(baseline ${baseline})</span>`;
}
