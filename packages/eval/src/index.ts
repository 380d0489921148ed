/** @ragline/eval: metrics, the statistical release gate and reports (issue 6, under way). */

export { type CliIo, EXIT_CONFIG_OR_INFRA, EXIT_GATE_FAILED, EXIT_PASSED, runEvalCli } from './cli.js';
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
export type { FetchLike } from './runner/endpoint-client.js';
export { EndpointError } from './runner/endpoint-client.js';
export { type RunSuiteOptions, runSuite } from './runner/run-suite.js';
export { CsvParseError, parseCsv } from './suite/csv.js';
export {
  type DatasetCase,
  DatasetError,
  parseCsvDataset,
  parseJsonlDataset,
  readDataset,
} from './suite/dataset.js';
export { loadSuite } from './suite/load-suite.js';
export * from './suite/suite-definition.js';
export { LIBRARY_VERSION } from './version.js';
