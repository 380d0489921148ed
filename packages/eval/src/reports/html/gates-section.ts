import type { BaselineGateRecord, EvalRun } from '../../run/eval-run.js';
import { formatFigure, formatInterval, formatScore, formatSignedScore } from '../format.js';
import { escapeHtml } from './escape-html.js';
import { renderForestPlotSvg } from './forest-plot.js';

export function renderGates(run: EvalRun): string {
  const parts = [
    '<section id="gates">',
    '<h2>Gates</h2>',
    renderAbsoluteGates(run),
    renderOperationalGates(run),
    renderBaselineGates(run),
  ];
  const quarantined = run.gates.quarantined ?? [];
  if (quarantined.length > 0) {
    parts.push(
      '<h3>Quarantined as flaky</h3>',
      '<p class="note">Their outcome flipped between repeats; they were left out of the gates.</p>',
      `<ul id="quarantined">${quarantined.map((id) => `<li data-case-id="${escapeHtml(id)}"><code>${escapeHtml(id)}</code></li>`).join('')}</ul>`,
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}

function renderAbsoluteGates(run: EvalRun): string {
  if (run.gates.absolute.length === 0) return '<h3>Absolute gates</h3><p class="note">No absolute gate.</p>';
  const rows = run.gates.absolute.map((gate) => {
    const outcome = gate.passed ? 'pass' : 'fail';
    return `<tr data-metric="${escapeHtml(gate.metric)}" data-passed="${gate.passed}"><td>${escapeHtml(gate.metric)}</td><td>${escapeHtml(gate.statistic ?? '-')}</td><td class="num">${formatScore(gate.value)}</td><td>${escapeHtml(gate.comparator ?? '-')}</td><td class="num">${formatScore(gate.threshold)}</td><td class="num">${gate.n ?? '-'}</td><td><span class="badge ${outcome}">${outcome}</span></td></tr>`;
  });
  return [
    '<h3>Absolute gates</h3>',
    '<table id="absolute-gates"><thead><tr><th>Metric</th><th>Statistic</th><th>Value</th><th>Comparator</th><th>Threshold</th><th>Cases</th><th>Result</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table>`,
  ].join('');
}

function renderBaselineGates(run: EvalRun): string {
  const gates = run.gates.baseline;
  if (gates.length === 0) return '<h3>Baseline comparison</h3><p class="note">No baseline comparison.</p>';
  const betterOf = (gate: BaselineGateRecord): 'higher' | 'lower' => {
    if (gate.better !== undefined) return gate.better;
    const config = run.metrics.find((metric) => metric.name === gate.metric);
    return config === undefined || config.higherIsBetter ? 'higher' : 'lower';
  };
  const ref = run.gates.baselineRef;
  const rows = gates.map(
    (gate) =>
      `<tr data-metric="${escapeHtml(gate.metric)}" data-verdict="${escapeHtml(gate.verdict)}"><td>${escapeHtml(gate.metric)}</td><td>${betterOf(gate)}</td><td class="num">${gate.n}</td><td class="num">${formatSignedScore(gate.meanDiff)}</td><td class="num">${formatInterval(gate)}</td><td class="num">${formatScore(gate.margin)}</td><td><span class="badge ${escapeHtml(gate.verdict)}">${escapeHtml(gate.verdict)}</span></td></tr>`,
  );
  return [
    '<h3>Baseline comparison</h3>',
    ref === undefined
      ? ''
      : `<p>Against content <code>${escapeHtml(ref.contentHash)}</code> (suite hash <code>${escapeHtml(ref.suiteHash)}</code>, run of ${escapeHtml(ref.startedAt)}). Differences are candidate - baseline over paired cases.</p>`,
    '<table id="baseline-gates"><thead><tr><th>Metric</th><th>Better</th><th>Paired cases</th><th>Mean diff</th><th>Interval</th><th>Margin</th><th>Verdict</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table>`,
    '<figure id="baseline-chart">',
    renderForestPlotSvg(gates, betterOf),
    '<figcaption class="note">Bar: interval of the mean difference; dot: mean difference;<span class="legend-line zero"></span>zero;<span class="legend-line margin"></span>largest regression allowed (margin). Each row has its own scale.</figcaption>',
    '</figure>',
  ].join('\n');
}

function renderOperationalGates(run: EvalRun): string {
  const gates = run.gates.operational ?? [];
  if (gates.length === 0) return '';
  const rows = gates.map((gate) => {
    const outcome = gate.passed ? 'pass' : 'fail';
    return `<tr data-figure="${escapeHtml(gate.figure)}" data-passed="${gate.passed}"><td>${escapeHtml(gate.figure)}</td><td class="num">${formatFigure(gate.figure, gate.value)}</td><td>&lt;=</td><td class="num">${formatFigure(gate.figure, gate.max)}</td><td><span class="badge ${outcome}">${outcome}</span></td></tr>`;
  });
  return [
    '<h3>Operational gates</h3>',
    '<table id="operational-gates"><thead><tr><th>Figure</th><th>Value</th><th>Comparator</th><th>Limit</th><th>Result</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table>`,
  ].join('');
}
