import { escapeHtml } from './escape-html.js';

export const HISTOGRAM_BINS = 10;

export interface Histogram {
  /** Lower and upper edge of the whole range; the last bin includes the upper edge. */
  range: [number, number];
  /** Counts per series, each HISTOGRAM_BINS long, in the order the series were given. */
  counts: number[][];
}

/**
 * Bins every series over one shared range, so candidate and baseline bars line up: [0, 1] when every value
 * lies in it (the usual score range), otherwise min..max of all values. Non-finite values are left out.
 */
export function binScores(series: readonly (readonly number[])[]): Histogram {
  const finite = series.map((values) => values.filter((value) => Number.isFinite(value)));
  const all = finite.flat();
  const range = histogramRange(all);
  const [low, high] = range;
  const counts = finite.map((values) => {
    const bins = new Array<number>(HISTOGRAM_BINS).fill(0);
    for (const value of values) {
      // Multiply before dividing: 0.3 * 10 is exactly 3, 0.3 / 0.1 is not.
      const index = Math.min(HISTOGRAM_BINS - 1, Math.floor(((value - low) * HISTOGRAM_BINS) / (high - low)));
      bins[index] = (bins[index] ?? 0) + 1;
    }
    return bins;
  });
  return { range, counts };
}

function histogramRange(values: readonly number[]): [number, number] {
  if (values.every((value) => value >= 0 && value <= 1)) return [0, 1];
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? [low - 0.5, high + 0.5] : [low, high];
}

export interface HistogramSeries {
  /** CSS class of the bars and the legend entry, e.g. "candidate" or "baseline". */
  name: 'candidate' | 'baseline';
  label: string;
  values: readonly number[];
}

const WIDTH = 360;
const HEIGHT = 170;
const LEFT = 34;
const RIGHT = 10;
const TOP = 22;
const BOTTOM = 26;

/** An SVG histogram of per-case scores, the series drawn over each other in the order given. */
export function renderHistogramSvg(metric: string, series: readonly HistogramSeries[]): string {
  const histogram = binScores(series.map((entry) => entry.values));
  const [low, high] = histogram.range;
  const maxCount = Math.max(1, ...histogram.counts.flat());
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const binWidth = plotWidth / HISTOGRAM_BINS;
  const edge = (index: number) => low + ((high - low) * index) / HISTOGRAM_BINS;
  const bars = series.flatMap((entry, seriesIndex) =>
    (histogram.counts[seriesIndex] ?? []).map((count, bin) => {
      const height = (count / maxCount) * plotHeight;
      const title = `${entry.label}: ${count} ${count === 1 ? 'case' : 'cases'} in [${formatEdge(edge(bin))}, ${formatEdge(edge(bin + 1))}${bin === HISTOGRAM_BINS - 1 ? ']' : ')'}`;
      return `<rect class="bar ${entry.name}" data-series="${entry.name}" data-bin="${bin}" data-count="${count}" x="${num(LEFT + bin * binWidth + 1)}" y="${num(TOP + plotHeight - height)}" width="${num(binWidth - 2)}" height="${num(height)}"><title>${escapeHtml(title)}</title></rect>`;
    }),
  );
  const legend = series.map(
    (entry, index) =>
      `<rect class="legend ${entry.name}" x="${LEFT + index * 110}" y="4" width="10" height="10"/><text x="${LEFT + index * 110 + 14}" y="13">${escapeHtml(entry.label)}</text>`,
  );
  const axisY = TOP + plotHeight;
  return [
    `<svg class="chart histogram" data-metric="${escapeHtml(metric)}" data-bins="${HISTOGRAM_BINS}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(`Distribution of per-case ${metric} scores`)}">`,
    ...legend,
    ...bars,
    `<line class="axis" x1="${LEFT}" y1="${axisY}" x2="${WIDTH - RIGHT}" y2="${axisY}"/>`,
    `<line class="axis" x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${axisY}"/>`,
    `<text class="tick" x="${LEFT - 4}" y="${TOP + 4}" text-anchor="end">${maxCount}</text>`,
    `<text class="tick" x="${LEFT - 4}" y="${axisY}" text-anchor="end">0</text>`,
    ...[0, HISTOGRAM_BINS / 2, HISTOGRAM_BINS].map(
      (index) =>
        `<text class="tick" x="${num(LEFT + index * binWidth)}" y="${axisY + 14}" text-anchor="middle">${formatEdge(edge(index))}</text>`,
    ),
    '</svg>',
  ].join('');
}

function formatEdge(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(3)));
}

function num(value: number): string {
  return String(Math.round(value * 10) / 10);
}
