import type { BaselineGateRecord } from '../../run/eval-run.js';
import { formatSignedScore } from '../format.js';
import { escapeHtml } from './escape-html.js';

const WIDTH = 720;
const LABEL_WIDTH = 150;
const VALUE_WIDTH = 150;
const ROW_HEIGHT = 40;
const TOP = 8;

/**
 * A forest plot of the baseline comparison: one row per metric with the interval of candidate - baseline as
 * a bar, the mean difference as a dot, a solid line at zero and a dashed line where a regression exceeds the
 * margin (-margin, or +margin when lower is better). Metrics have different units, so each row has its own
 * scale; its ends are labelled.
 */
export function renderForestPlotSvg(
  gates: readonly BaselineGateRecord[],
  betterOf: (gate: BaselineGateRecord) => 'higher' | 'lower',
): string {
  const height = TOP * 2 + gates.length * ROW_HEIGHT;
  const plotLeft = LABEL_WIDTH;
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const rows = gates.map((gate, index) => {
    const better = betterOf(gate);
    const limit = better === 'higher' ? -gate.margin : gate.margin;
    const [low, high] = rowDomain([gate.ci[0], gate.ci[1], gate.meanDiff, 0, limit]);
    const x = (value: number) => plotLeft + ((value - low) / (high - low)) * plotWidth;
    const top = TOP + index * ROW_HEIGHT;
    const middle = top + ROW_HEIGHT / 2;
    const barLeft = x(Math.min(gate.ci[0], gate.ci[1]));
    const barWidth = Math.max(2, Math.abs(x(gate.ci[1]) - x(gate.ci[0])));
    const title = `${gate.metric}: mean diff ${formatSignedScore(gate.meanDiff)}, interval [${formatSignedScore(gate.ci[0])}, ${formatSignedScore(gate.ci[1])}], margin ${gate.margin} (${better} is better): ${gate.verdict}`;
    return [
      `<g class="forest-row" data-metric="${escapeHtml(gate.metric)}" data-verdict="${escapeHtml(gate.verdict)}"><title>${escapeHtml(title)}</title>`,
      `<text class="label" x="${LABEL_WIDTH - 8}" y="${num(middle + 4)}" text-anchor="end">${escapeHtml(ellipsize(gate.metric, 20))}</text>`,
      `<line class="row-axis" x1="${plotLeft}" y1="${num(middle)}" x2="${plotLeft + plotWidth}" y2="${num(middle)}"/>`,
      `<line class="zero" data-value="0" x1="${num(x(0))}" y1="${top + 4}" x2="${num(x(0))}" y2="${top + ROW_HEIGHT - 4}"/>`,
      `<line class="margin" data-value="${limit}" x1="${num(x(limit))}" y1="${top + 4}" x2="${num(x(limit))}" y2="${top + ROW_HEIGHT - 4}"/>`,
      `<rect class="interval ${escapeHtml(gate.verdict)}" x="${num(barLeft)}" y="${num(middle - 5)}" width="${num(barWidth)}" height="10" rx="3"/>`,
      `<circle class="mean-diff" cx="${num(x(gate.meanDiff))}" cy="${num(middle)}" r="5"/>`,
      `<text class="tick" x="${plotLeft}" y="${top + ROW_HEIGHT - 2}">${formatTick(low)}</text>`,
      `<text class="tick" x="${plotLeft + plotWidth}" y="${top + ROW_HEIGHT - 2}" text-anchor="end">${formatTick(high)}</text>`,
      `<text class="value ${escapeHtml(gate.verdict)}" x="${plotLeft + plotWidth + 12}" y="${num(middle + 4)}">${escapeHtml(`${formatSignedScore(gate.meanDiff)} ${gate.verdict}`)}</text>`,
      '</g>',
    ].join('');
  });
  return [
    `<svg class="chart forest-plot" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="Baseline comparison: interval of candidate minus baseline per metric">`,
    ...rows,
    '</svg>',
  ].join('');
}

/** The values' span, padded by 10% on each side (a single point gets a unit-wide window). */
function rowDomain(values: readonly number[]): [number, number] {
  const finite = values.filter((value) => Number.isFinite(value));
  let low = Math.min(...finite);
  let high = Math.max(...finite);
  if (high === low) {
    low -= 0.5;
    high += 0.5;
  }
  const pad = (high - low) * 0.1;
  return [low - pad, high + pad];
}

function ellipsize(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function formatTick(value: number): string {
  return String(Number(value.toPrecision(2)));
}

function num(value: number): string {
  return String(Math.round(value * 10) / 10);
}
