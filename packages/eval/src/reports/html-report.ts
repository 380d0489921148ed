import type { EvalRun } from '../run/eval-run.js';
import { summarizeRun } from '../run/summarize-run.js';
import { renderCases } from './html/cases-section.js';
import { escapeHtml } from './html/escape-html.js';
import { renderGates } from './html/gates-section.js';
import { renderHeader } from './html/header-section.js';
import { renderMetrics } from './html/metrics-section.js';
import { REPORT_CSS } from './html/styles.js';
import { reportVerdict } from './html/verdict.js';

export interface HtmlReportOptions {
  /** The baseline run; with it the report overlays its score distributions and diffs every case against it. */
  baseline?: EvalRun;
}

/**
 * One self-contained HTML page: inline CSS and SVG charts, no script, and a Content-Security-Policy that
 * forbids every fetch and script, so it opens offline (an artifact, an e-mail attachment) and a hostile
 * output cannot run even if it escaped the escaping.
 */
export function renderHtmlReport(run: EvalRun, options: HtmlReportOptions = {}): string {
  const stats = summarizeRun(run);
  const baseline = options.baseline;
  const baselineStats = baseline === undefined ? undefined : summarizeRun(baseline);
  const verdict = reportVerdict(run);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(`Ragline eval: ${run.suite.name}: ${verdict.label}`)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    `<body data-verdict="${verdict.key}">`,
    '<main>',
    renderHeader(run, stats),
    renderGates(run),
    renderMetrics(run, stats, baseline, baselineStats),
    renderCases(run, baseline),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
