import type { EvalRun } from '../../run/eval-run.js';
import type { RunStatistics } from '../../run/summarize-run.js';
import { formatDollars, formatMs, formatPercent } from '../format.js';
import { escapeHtml } from './escape-html.js';
import { operationalFigures } from './operational.js';
import { failingMetrics, reportVerdict } from './verdict.js';

export function renderHeader(run: EvalRun, stats: RunStatistics): string {
  const verdict = reportVerdict(run);
  const target = run.target;
  const facts: [string, string][] = [
    ['Suite', `${escapeHtml(run.suite.name)} <code>${escapeHtml(run.suite.hash)}</code>`],
    [
      'Target',
      [
        escapeHtml(target.kind),
        target.id === undefined ? '' : ` <code>${escapeHtml(target.id)}</code>`,
        target.description === undefined || target.description === target.id
          ? ''
          : ` ${escapeHtml(target.description)}`,
      ].join(''),
    ],
    ['Content hash', `<code>${escapeHtml(target.contentHash)}</code>`],
    ['Started', `<time>${escapeHtml(run.startedAt)}</time>`],
    ['Finished', `<time>${escapeHtml(run.finishedAt)}</time>`],
    ['Library', `@ragline/eval ${escapeHtml(run.libraryVersion)}`],
    ['Cases', `${run.summary.cases} (${stats.repeats} ${stats.repeats === 1 ? 'repeat' : 'repeats'})`],
    ['Errors', `<span data-errors="${run.summary.errors}">${run.summary.errors}</span>`],
  ];
  const failing = failingMetrics(run);
  const parts = [
    '<header id="summary">',
    `<h1>Ragline eval: ${escapeHtml(run.suite.name)}</h1>`,
    `<div id="verdict" class="verdict ${verdict.key}" data-verdict="${verdict.key}">${verdict.label}</div>`,
  ];
  if (run.summary.incomplete) {
    parts.push(
      '<p class="alert">Incomplete: some cases could not be scored (target or judge unreachable); this is not a quality verdict.</p>',
    );
  }
  if (failing.length > 0) {
    parts.push(
      `<p id="failing-metrics" class="alert fail">Failing metrics: ${failing.map((name) => `<strong data-metric="${escapeHtml(name)}">${escapeHtml(name)}</strong>`).join(', ')}</p>`,
    );
  }
  parts.push(
    `<dl class="facts">${facts.map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`).join('')}</dl>`,
    renderOperational(run, stats),
    '<nav><a href="#gates">Gates</a><a href="#metrics">Metrics</a><a href="#cases">Cases</a></nav>',
    '</header>',
  );
  return parts.join('\n');
}

function renderOperational(run: EvalRun, stats: RunStatistics): string {
  const figures = operationalFigures(run, stats);
  const note = figures.source === 'run' ? 'as recorded by the run' : 'computed from the repeats';
  const cached =
    figures.cached === undefined || figures.calls === undefined || figures.cached === 0
      ? ''
      : ` · ${figures.cached} of ${figures.calls} calls from the cache`;
  return [
    `<p id="operational" data-source="${figures.source}">`,
    `Latency p50 <strong>${formatMs(figures.latencyP50Ms)}</strong>, p95 <strong>${formatMs(figures.latencyP95Ms)}</strong>`,
    ` · cost per case <strong>${formatDollars(figures.costPerCaseMicros)}</strong>`,
    ` · error rate <strong>${formatPercent(figures.errorRate)}</strong>${cached}`,
    ` <span class="note">(${note})</span></p>`,
  ].join('');
}
