import { describe, expect, it } from 'vitest';
import { binScores, renderHistogramSvg } from './histogram.js';

describe('binScores', () => {
  it('bins scores over [0, 1] in ten bins, decimal edges landing in the upper bin and 1 in the last', () => {
    expect(binScores([[0, 0.1, 0.3, 0.55, 0.7, 0.99, 1]])).toEqual({
      range: [0, 1],
      counts: [[1, 1, 0, 1, 0, 1, 0, 1, 0, 2]],
    });
  });

  it('falls back to min..max of every series together when a value is outside [0, 1]', () => {
    expect(binScores([[2, 4, 12], [7]])).toEqual({
      range: [2, 12],
      counts: [
        [1, 0, 1, 0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 1, 0, 0, 0, 0],
      ],
    });
  });

  it('gives a single repeated value a unit-wide range and ignores non-finite values', () => {
    expect(binScores([[5, 5, Number.NaN]])).toEqual({
      range: [4.5, 5.5],
      counts: [[0, 0, 0, 0, 0, 2, 0, 0, 0, 0]],
    });
  });
});

describe('renderHistogramSvg', () => {
  it('draws ten bars per series with their counts, bar heights proportional to the largest count', () => {
    const svg = renderHistogramSvg('f1', [
      { name: 'baseline', label: 'baseline', values: [1, 1] },
      { name: 'candidate', label: 'candidate', values: [0, 1, 0.5, 0.55] },
    ]);
    expect(svg.match(/<rect class="bar baseline"/g)).toHaveLength(10);
    expect(svg.match(/<rect class="bar candidate"/g)).toHaveLength(10);
    expect(svg).toContain('data-series="candidate" data-bin="5" data-count="2"');
    // Largest count is 2 over a 122 px plot: a 2-bar is full height, a 1-bar half of it.
    expect(svg).toMatch(
      /data-series="baseline" data-bin="9" data-count="2" x="[\d.]+" y="22" width="[\d.]+" height="122"/,
    );
    expect(svg).toMatch(
      /data-series="candidate" data-bin="9" data-count="1" x="[\d.]+" y="83" width="[\d.]+" height="61"/,
    );
  });
});
