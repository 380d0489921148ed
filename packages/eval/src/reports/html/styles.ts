/** The report's whole stylesheet, inlined: system fonts only, so the file renders the same offline. */
export const REPORT_CSS = `
:root { --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --muted: #57606a; --line: #d0d7de;
  --bg-soft: #f6f8fa; --candidate: #0969da; --baseline: #8c959f; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1f2328; background: #fff; }
main { max-width: 1480px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 6px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
pre { white-space: pre-wrap; word-break: break-word; margin: 4px 0 0; background: var(--bg-soft); padding: 6px 8px; border-radius: 4px; }
nav { margin: 8px 0 0; color: var(--muted); }
nav a { color: var(--candidate); margin-right: 14px; text-decoration: none; }
.verdict { display: inline-block; font-weight: 700; font-size: 20px; letter-spacing: .04em; padding: 6px 16px;
  border-radius: 6px; color: #fff; margin: 10px 0; }
.verdict.passed { background: var(--pass); }
.verdict.gate-failed { background: var(--fail); }
.verdict.incomplete { background: var(--warn); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 6px 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.note { color: var(--muted); }
.alert { border-left: 4px solid var(--warn); background: #fff8c5; padding: 8px 12px; border-radius: 4px; }
.alert.fail { border-color: var(--fail); background: #ffebe9; }
table { border-collapse: collapse; margin: 6px 0 10px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg-soft); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.regression td { background: #fff5f5; }
td.worse, span.worse { color: var(--fail); font-weight: 600; }
td.better, span.better { color: var(--pass); }
.badge { display: inline-block; white-space: nowrap; padding: 0 6px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.badge.pass, .badge.improved { background: #dafbe1; color: var(--pass); }
.badge.fail, .badge.regressed { background: #ffebe9; color: var(--fail); }
.badge.error { background: #fff8c5; color: var(--warn); }
.badge.no-difference { background: var(--bg-soft); color: var(--muted); }
.metrics { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 14px; }
.metric-card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.metric-card.failing { border-color: var(--fail); }
.cases-wrap { overflow-x: auto; }
#cases td { max-width: 320px; }
#cases td.input { min-width: 220px; }
#cases td.expected, #cases td.output, #cases td.baseline-output { min-width: 130px; }
#cases td.case-id { min-width: 90px; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; word-break: break-all; }
details.full-text summary { cursor: pointer; }
.none { color: var(--muted); }
.error-text { color: var(--warn); }
svg.chart { display: block; max-width: 100%; height: auto; font-size: 11px; }
svg.chart text { fill: #1f2328; }
svg.chart .tick { fill: var(--muted); font-size: 10px; }
svg.chart .axis, svg.chart .row-axis { stroke: var(--line); stroke-width: 1; }
svg.chart .bar.candidate, svg.chart .legend.candidate { fill: var(--candidate); fill-opacity: .8; }
svg.chart .bar.baseline, svg.chart .legend.baseline { fill: var(--baseline); fill-opacity: .2; stroke: #424a53; stroke-width: 1.5; }
svg.chart .zero { stroke: #1f2328; stroke-width: 1.5; }
svg.chart .margin { stroke: var(--fail); stroke-width: 1.5; stroke-dasharray: 4 3; }
svg.chart .interval { fill: var(--baseline); fill-opacity: .6; }
svg.chart .interval.regressed { fill: var(--fail); }
svg.chart .interval.improved { fill: var(--pass); }
svg.chart .mean-diff { fill: #1f2328; }
svg.chart .value.regressed { fill: var(--fail); font-weight: 600; }
svg.chart .value.improved { fill: var(--pass); }
.legend-line { display: inline-block; width: 14px; height: 0; vertical-align: middle; margin: 0 4px 0 10px; }
.legend-line.zero { border-top: 2px solid #1f2328; }
.legend-line.margin { border-top: 2px dashed var(--fail); }
`;
