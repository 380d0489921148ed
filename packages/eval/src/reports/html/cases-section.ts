import type { EvalCase, EvalRun } from '../../run/eval-run.js';
import { formatDollars, formatMs, formatScore, formatSignedScore } from '../format.js';
import { worstRegressions } from '../markdown-report.js';
import { caseValues, jsonText } from './case-values.js';
import { escapeHtml } from './escape-html.js';
import { renderTextCell } from './text-cell.js';

/**
 * One row per case. With a baseline: its output and the per-metric change beside each score, rows that got
 * worse on any metric highlighted and listed first, worst regression first (the Markdown report's order).
 */
export function renderCases(run: EvalRun, baseline: EvalRun | undefined): string {
  const metrics = run.metrics.map((metric) => metric.name);
  const baselineCases = new Map(baseline?.cases.map((evalCase) => [evalCase.id, evalCase]));
  const regressed = baseline === undefined ? [] : worstRegressions(run, baseline, Number.POSITIVE_INFINITY);
  const regressedIds = new Set(regressed.map((item) => item.caseId));
  const rank = new Map<string, number>();
  for (const item of regressed) if (!rank.has(item.caseId)) rank.set(item.caseId, rank.size);
  const ordered = run.cases
    .map((evalCase, index) => ({ evalCase, index }))
    .sort(
      (a, b) =>
        (rank.get(a.evalCase.id) ?? Number.POSITIVE_INFINITY) -
          (rank.get(b.evalCase.id) ?? Number.POSITIVE_INFINITY) || a.index - b.index,
    )
    .map((entry) => entry.evalCase);

  const header = [
    '<th>Case</th><th>Input</th><th>Expected</th><th>Output</th>',
    baseline === undefined ? '' : '<th>Baseline output</th>',
    ...metrics.map((name) =>
      baseline === undefined
        ? `<th>${escapeHtml(name)}</th>`
        : `<th>${escapeHtml(name)}</th><th>Δ ${escapeHtml(name)}</th>`,
    ),
    '<th>Result</th><th>Latency (mean)</th><th>Cost (all repeats)</th><th>Error</th>',
  ].join('');
  const rows = ordered.map((evalCase) =>
    renderRow(
      run,
      evalCase,
      metrics,
      baseline === undefined ? undefined : (baselineCases.get(evalCase.id) ?? null),
      regressedIds,
    ),
  );
  return [
    '<section id="cases-section">',
    '<h2>Cases</h2>',
    baseline === undefined
      ? ''
      : `<p class="note">${regressedIds.size} of ${run.cases.length} cases scored worse than the baseline on some metric (highlighted, worst first).</p>`,
    '<div class="cases-wrap">',
    `<table id="cases"><thead><tr>${header}</tr></thead><tbody>`,
    rows.join('\n'),
    '</tbody></table></div>',
    '</section>',
  ].join('\n');
}

/** `before`: undefined without a baseline, null when the baseline has no such case. */
function renderRow(
  run: EvalRun,
  evalCase: EvalCase,
  metrics: readonly string[],
  before: EvalCase | null | undefined,
  regressedIds: ReadonlySet<string>,
): string {
  const values = caseValues(evalCase, metrics);
  const previous = before === undefined || before === null ? undefined : caseValues(before, metrics);
  const regression = regressedIds.has(evalCase.id);
  const cells = [
    `<td class="case-id">${escapeHtml(evalCase.id)}${(evalCase.tags ?? []).map((tag) => ` <span class="badge no-difference">${escapeHtml(tag)}</span>`).join('')}</td>`,
    `<td class="input">${renderTextCell(jsonText(evalCase.input))}</td>`,
    `<td class="expected">${renderTextCell(jsonText(evalCase.expected))}</td>`,
    `<td class="output">${renderOutputs(values.outputs.map(jsonText))}</td>`,
  ];
  if (before !== undefined) {
    cells.push(
      `<td class="baseline-output">${previous === undefined ? '<span class="none">not in baseline</span>' : renderOutputs(previous.outputs.map(jsonText))}</td>`,
    );
  }
  for (const metric of metrics) {
    const score = values.scores[metric];
    cells.push(`<td class="num score" data-metric="${escapeHtml(metric)}">${formatScore(score)}</td>`);
    if (before === undefined) continue;
    const old = previous?.scores[metric];
    if (score === undefined || old === undefined) {
      cells.push(`<td class="num diff" data-metric="${escapeHtml(metric)}">-</td>`);
      continue;
    }
    const change = score - old;
    const higherIsBetter = run.metrics.find((config) => config.name === metric)?.higherIsBetter ?? true;
    const harm = higherIsBetter ? -change : change;
    const tone = harm > 0 ? ' worse' : harm < 0 ? ' better' : '';
    cells.push(
      `<td class="num diff${tone}" data-metric="${escapeHtml(metric)}" data-diff="${change}" title="baseline ${formatScore(old)}">${formatSignedScore(change)}</td>`,
    );
  }
  cells.push(
    `<td><span class="badge ${values.outcome}">${values.outcome}</span></td>`,
    `<td class="num">${formatMs(values.latencyMs)}</td>`,
    `<td class="num">${formatDollars(values.costMicros)}</td>`,
    `<td class="error-text">${values.errors.map((error) => renderTextCell(error)).join('<br>')}</td>`,
  );
  return `<tr data-case-id="${escapeHtml(evalCase.id)}" data-outcome="${values.outcome}"${regression ? ' class="regression" data-regression="true"' : ''}>${cells.join('')}</tr>`;
}

function renderOutputs(outputs: readonly string[]): string {
  if (outputs.length === 0) return '<span class="none">no answer</span>';
  if (outputs.length === 1) return renderTextCell(outputs[0] ?? '');
  return outputs
    .map(
      (output, index) =>
        `<div class="repeat-output"><span class="note">#${index + 1}</span> ${renderTextCell(output)}</div>`,
    )
    .join('');
}
