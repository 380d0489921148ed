import { describe, expect, it } from 'vitest';
import type { EvalRun } from '../run/eval-run.js';
import { escapeHtml } from './html/escape-html.js';
import {
  baselineRun,
  candidateRun,
  HOSTILE_CASE_ID,
  HOSTILE_OUTPUT,
  LONG_INPUT,
} from './html/html-report-fixtures.js';
import { renderHtmlReport } from './html-report.js';

/** The first `<tag …attribute…>` element, up to its first closing tag (enough for the report's flat rows). */
function element(html: string, tag: string, attribute: string): string {
  const opening = new RegExp(`<${tag}\\b[^>]*${attribute.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
  const start = html.search(opening);
  expect(start, `<${tag} ${attribute}> not found`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf(`</${tag}>`, start) + tag.length + 3);
}

function caseRowIds(html: string): string[] {
  const table = element(html, 'table', 'id="cases"');
  return [...table.matchAll(/<tr data-case-id="([^"]*)"/g)].map((match) => match[1] ?? '');
}

describe('renderHtmlReport', () => {
  it('says GATE FAILED, PASSED or INCOMPLETE in the header and on the body', () => {
    const run = candidateRun();
    expect(renderHtmlReport(run)).toContain(
      '<div id="verdict" class="verdict gate-failed" data-verdict="gate-failed">GATE FAILED</div>',
    );
    run.summary.passed = true;
    expect(renderHtmlReport(run)).toContain('data-verdict="passed">PASSED</div>');
    run.summary = { cases: 5, errors: 1, incomplete: true, passed: false };
    const incomplete = renderHtmlReport(run);
    expect(incomplete).toContain('<body data-verdict="incomplete">');
    expect(incomplete).toContain('data-verdict="incomplete">INCOMPLETE</div>');
    expect(incomplete).toContain('this is not a quality verdict');
  });

  it('names the failing metrics: the failed absolute gate and the baseline regression', () => {
    const html = renderHtmlReport(candidateRun());
    expect(element(html, 'p', 'id="failing-metrics"')).toContain(
      'Failing metrics: <strong data-metric="f1">f1</strong></p>',
    );
    expect(html).toContain('<article class="metric-card failing" data-metric="f1" data-failing="true">');
    expect(html).toContain('<article class="metric-card" data-metric="exact" data-failing="false">');
  });

  it('escapes every run-supplied text, so an output holding a script or an image stays text', () => {
    const run = candidateRun();
    run.suite.name = '</title><script>alert(1)</script>';
    const html = renderHtmlReport(run, { baseline: baselineRun() });
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain(escapeHtml(HOSTILE_OUTPUT));
    expect(html).toContain(
      '&lt;script&gt;window.__pwned = 1&lt;/script&gt;&lt;img src=&quot;https://example.com/x.png&quot;&gt;',
    );
    expect(html).toContain('<tr data-case-id="c2 &lt;&quot;&amp;&#39;&gt;"');
    expect(html).toContain(
      '<title>Ragline eval: &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;: GATE FAILED</title>',
    );
    expect(escapeHtml(`<a href="x" title='y'>&amp;`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;',
    );
  });

  it('is self-contained: no URL outside the page and a policy that blocks every fetch and script', () => {
    const html = renderHtmlReport(candidateRun(), { baseline: baselineRun() });
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:;`);
    // The only "https://" is inside the escaped hostile output; no src/href attribute points anywhere but the page.
    expect(html.match(/https?:\/\//g)).toHaveLength(1);
    expect([...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((match) => match[1])).toEqual([
      '#gates',
      '#metrics',
      '#cases',
    ]);
    expect(html).not.toMatch(/@import|url\(/);
  });

  it('lists the absolute gates with statistic, comparator and result, and the operational limits in their units', () => {
    const html = renderHtmlReport(candidateRun());
    const gates = element(html, 'table', 'id="absolute-gates"');
    expect(gates).toContain(
      '<tr data-metric="f1" data-passed="false"><td>f1</td><td>passRate</td><td class="num">0.667</td><td>&gt;=</td><td class="num">0.800</td><td class="num">5</td><td><span class="badge fail">fail</span></td></tr>',
    );
    expect(gates.match(/<tr data-metric=/g)).toHaveLength(2);
    const operational = element(html, 'table', 'id="operational-gates"');
    expect(operational).toContain(
      '<tr data-figure="latencyP95Ms" data-passed="true"><td>latencyP95Ms</td><td class="num">500 ms</td><td>&lt;=</td><td class="num">1000 ms</td>',
    );
    expect(operational).toContain(
      '<td class="num">$0.000790</td><td>&lt;=</td><td class="num">$0.001500</td>',
    );
  });

  it('names an operational figure over its limit among the failing ones', () => {
    const run = candidateRun();
    run.gates.absolute = [];
    run.gates.baseline = [];
    run.gates.operational = [{ figure: 'errorRate', value: 0.25, max: 0.1, passed: false }];
    const html = renderHtmlReport(run);
    expect(element(html, 'p', 'id="failing-metrics"')).toContain(
      '<strong data-metric="errorRate">errorRate</strong></p>',
    );
    expect(element(html, 'tr', 'data-figure="errorRate"')).toContain(
      '<td class="num">25.0%</td><td>&lt;=</td><td class="num">10.0%</td><td><span class="badge fail">fail</span>',
    );
  });

  it('draws the baseline comparison as a forest plot: an interval bar, a mean dot, zero and margin lines per metric', () => {
    const html = renderHtmlReport(candidateRun());
    expect(element(html, 'table', 'id="baseline-gates"')).toContain(
      '<tr data-metric="f1" data-verdict="regressed"><td>f1</td><td>higher</td><td class="num">5</td><td class="num">-0.110</td><td class="num">[-0.300, -0.060]</td><td class="num">0.050</td>',
    );
    const plot = element(html, 'svg', 'class="chart forest-plot"');
    expect(plot.match(/<g class="forest-row"/g)).toHaveLength(2);
    expect(plot.match(/<rect class="interval /g)).toHaveLength(2);
    expect(plot.match(/<circle class="mean-diff"/g)).toHaveLength(2);
    expect(plot.match(/<line class="zero"/g)).toHaveLength(2);
    expect(plot).toContain('<line class="margin" data-value="-0.05"');
    // f1 row: domain [-0.3, 0] padded by 0.03 on each side over a 420 px plot from x=150.
    // x(v) = 150 + (v + 0.33) / 0.36 * 420: interval [-0.3, -0.06] spans 185..465, the dot at -0.11 sits at 406.7.
    const f1 = element(plot, 'g', 'data-metric="f1" data-verdict="regressed"');
    expect(f1).toContain('<rect class="interval regressed" x="185" y="63" width="280" height="10" rx="3"/>');
    expect(f1).toContain('<circle class="mean-diff" cx="406.7" cy="68" r="5"/>');
    expect(f1).toContain('<line class="zero" data-value="0" x1="535" y1="52" x2="535" y2="84"/>');
  });

  it('puts the margin line on the positive side for a lower-is-better metric', () => {
    const run = candidateRun();
    run.gates.baseline = [
      { metric: 'cost', n: 3, meanDiff: 20, ci: [5, 40], margin: 10, verdict: 'regressed', better: 'lower' },
    ];
    expect(renderHtmlReport(run)).toContain('<line class="margin" data-value="10"');
  });

  it('draws a ten-bin histogram per metric, overlaying the baseline when one is given', () => {
    const alone = renderHtmlReport(candidateRun());
    expect(alone.match(/<svg class="chart histogram"/g)).toHaveLength(2);
    expect(alone.match(/<rect class="bar candidate"/g)).toHaveLength(20);
    expect(alone).not.toContain('<rect class="bar baseline"');

    const html = renderHtmlReport(candidateRun(), { baseline: baselineRun() });
    const f1 = element(html, 'svg', 'class="chart histogram" data-metric="f1"');
    const counts = (series: string) =>
      [...f1.matchAll(new RegExp(`data-series="${series}" data-bin="\\d" data-count="(\\d+)"`, 'g'))].map(
        (match) => Number(match[1]),
      );
    // Per-case means: candidate 1, 0.25, 0.55, 0, 0.95; baseline 1, 0.75, 0.6, 0, 0.9.
    expect(counts('candidate')).toEqual([1, 0, 1, 0, 0, 1, 0, 0, 0, 2]);
    expect(counts('baseline')).toEqual([1, 0, 0, 0, 0, 0, 1, 1, 0, 2]);
  });

  it('summarises each metric with mean and pass rate beside the baseline', () => {
    const html = renderHtmlReport(candidateRun(), { baseline: baselineRun() });
    const f1 = element(html, 'article', 'data-metric="f1" data-failing');
    // Six repeats: (1 + 0.25 + 0.5 + 0.6 + 0 + 0.95) / 6 = 0.55, four of six passed; baseline 3.25 / 5 = 0.65, 4 of 5.
    expect(f1).toContain(
      '<dt>Mean</dt><dd class="mono">0.550 <span class="note">(baseline 0.650)</span></dd>',
    );
    expect(f1).toContain(
      '<dt>Pass rate</dt><dd class="mono">66.7% <span class="note">(baseline 80.0%)</span></dd>',
    );
  });

  it('diffs every case against the baseline, regressions highlighted and worst first', () => {
    const html = renderHtmlReport(candidateRun(), { baseline: baselineRun() });
    // c3 lost 1 on exact, c2 0.5 on f1 (c3 also 0.05 on f1); the rest keep run order.
    expect(caseRowIds(html)).toEqual(['c3', 'c2 &lt;&quot;&amp;&#39;&gt;', 'c1', 'c4', 'c5']);
    const c2 = element(html, 'tr', 'data-case-id="c2 &lt;');
    expect(c2).toContain('class="regression" data-regression="true"');
    expect(c2).toContain('<td class="baseline-output"><span class="text">It is safe.</span></td>');
    expect(c2).toContain(
      '<td class="num diff worse" data-metric="f1" data-diff="-0.5" title="baseline 0.750">-0.500</td>',
    );
    expect(c2).toContain(
      '<td class="num diff" data-metric="exact" data-diff="0" title="baseline 0.000">+0.000</td>',
    );
    const c5 = element(html, 'tr', 'data-case-id="c5"');
    expect(c5).not.toContain('regression');
    expect(c5).toContain('<td class="num diff better" data-metric="f1"');
  });

  it('shows a case row without a baseline: truncated input with the full text, scores, result, latency and exact cost', () => {
    const html = renderHtmlReport(candidateRun());
    expect(html).not.toContain('Baseline output');
    expect(caseRowIds(html)).toEqual(['c1', HOSTILE_CASE_ID, 'c3', 'c4', 'c5'].map(escapeHtml));
    const c3 = element(html, 'tr', 'data-case-id="c3"');
    expect(c3).toContain(
      `<summary>${escapeHtml(LONG_INPUT.slice(0, 140))}…</summary><pre>${escapeHtml(LONG_INPUT)}</pre>`,
    );
    // Two distinct outputs, f1 mean (0.5 + 0.6) / 2, latency mean 400 ms, cost 1200 + 1300 micro-dollars.
    expect(c3).toContain('<span class="note">#2</span> <span class="text">Tenants are isolated!</span>');
    expect(c3).toContain('<td class="num score" data-metric="f1">0.550</td>');
    expect(c3).toContain(
      '<td><span class="badge fail">fail</span></td><td class="num">400 ms</td><td class="num">$0.002500</td>',
    );
    expect(element(html, 'tr', 'data-case-id="c5"')).toContain('<td class="num">$0.000001</td>');
    expect(element(html, 'tr', 'data-case-id="c1"')).toContain('<span class="badge pass">pass</span>');
    expect(html).toContain('<ul id="quarantined"><li data-case-id="c5"><code>c5</code></li></ul>');
  });

  it('marks a case whose target failed as an error, with the message and no answer', () => {
    const run: EvalRun = candidateRun();
    run.cases.push({
      id: 'c6',
      input: 'q6',
      repeats: [{ output: null, scores: {}, passed: {}, latencyMs: 30, error: 'judge timed out: <html>' }],
    });
    const row = element(renderHtmlReport(run), 'tr', 'data-case-id="c6"');
    expect(row).toContain('data-outcome="error"');
    expect(row).toContain('<span class="none">no answer</span>');
    expect(row).toContain(
      '<td class="error-text"><span class="text">judge timed out: &lt;html&gt;</span></td>',
    );
    expect(row).toContain('<td class="num">-</td><td class="num">-</td>');
  });

  it('shows operational figures from the run when recorded, computed from the repeats otherwise', () => {
    const run = candidateRun();
    // Latencies 100, 200, 300, 500, 150, 120: p50 150, p95 500; cost per case (1000 + 900 + 1250 + 800 + 1) / 5 = 790.2.
    expect(element(renderHtmlReport(run), 'p', 'id="operational"')).toContain(
      'Latency p50 <strong>150 ms</strong>, p95 <strong>500 ms</strong> · cost per case <strong>$0.000790</strong> · error rate <strong>0.0%</strong> <span class="note">(computed from the repeats)</span>',
    );
    run.summary.operational = {
      calls: 8,
      cached: 3,
      latencyP50Ms: 42,
      latencyP95Ms: 99,
      costPerCaseMicros: 1234567,
      errorRate: 0.25,
    };
    expect(element(renderHtmlReport(run), 'p', 'id="operational"')).toContain(
      'Latency p50 <strong>42 ms</strong>, p95 <strong>99 ms</strong> · cost per case <strong>$1.234567</strong> · error rate <strong>25.0%</strong> · 3 of 8 calls from the cache <span class="note">(as recorded by the run)</span>',
    );
  });
});
