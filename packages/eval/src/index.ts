/** @ragline/eval: metrics, the statistical release gate and reports (issue 6, under way). */
export * from './gate/absolute-gate.js';
export * from './gate/case-result.js';
export * from './gate/flaky.js';
export * from './gate/paired-comparison.js';
export * from './gate/random.js';
export * from './gate/statistics.js';
export * from './metrics/deterministic.js';
export * from './metrics/retrieval.js';
export * from './metrics/text.js';
export { renderConsoleReport } from './reports/console-report.js';
export { renderJsonReport } from './reports/json-report.js';
export { renderJunitReport } from './reports/junit-report.js';
export {
  type CaseRegression,
  type MarkdownReportOptions,
  renderMarkdownReport,
  worstRegressions,
} from './reports/markdown-report.js';
export * from './run/eval-run.js';
export { parseRun, RunParseError } from './run/parse-run.js';
export { type MetricStatistics, type RunStatistics, summarizeRun } from './run/summarize-run.js';
