/** @ragline/eval: suites, targets, metrics (deterministic, text, retrieval, judged), the statistical release gate and reports. */

export { caseCacheKey, metricConfigCacheKey } from './cache/cache-keys.js';
export { RunCache, type RunCacheKey } from './cache/run-cache.js';
export {
  type CliIo,
  DEFAULT_CACHE_DIR,
  EXIT_CONFIG_OR_INFRA,
  EXIT_GATE_FAILED,
  EXIT_PASSED,
  runEvalCli,
} from './cli.js';
export * from './gate/absolute-gate.js';
export * from './gate/case-result.js';
export * from './gate/flaky.js';
export * from './gate/paired-comparison.js';
export * from './gate/random.js';
export * from './gate/statistics.js';
export {
  answerRelevancy,
  DEFAULT_RELEVANCY_QUESTIONS,
  generateQuestions,
  relevancyScore,
} from './judge/answer-relevancy.js';
export { askJudge, type JudgeCall, type JudgeMessage, JudgeReplyError } from './judge/ask-judge.js';
export { averagePrecision, contextPrecision } from './judge/context-precision.js';
export { contextRecall } from './judge/context-recall.js';
export { ensureJudgePrompts } from './judge/ensure-judge-prompts.js';
export { faithfulness } from './judge/faithfulness.js';
export {
  DEFAULT_JUDGE_TEMPLATES,
  type JudgePrompt,
  type JudgePromptId,
  type JudgePromptSet,
  judgePromptName,
} from './judge/judge-templates.js';
export * from './metrics/deterministic.js';
export { cosineSimilarity } from './metrics/embedding.js';
export * from './metrics/retrieval.js';
export * from './metrics/text.js';
export { renderConsoleReport } from './reports/console-report.js';
export { type HtmlReportOptions, renderHtmlReport } from './reports/html-report.js';
export { renderJsonReport, renderJsonReportChunks } from './reports/json-report.js';
export { renderJunitReport } from './reports/junit-report.js';
export {
  type CaseRegression,
  type MarkdownReportOptions,
  renderMarkdownReport,
  worstRegressions,
} from './reports/markdown-report.js';
export * from './run/eval-run.js';
export { parseRun, RunParseError } from './run/parse-run.js';
export {
  type MetricStatistics,
  operationalSummary,
  type RunStatistics,
  summarizeRun,
} from './run/summarize-run.js';
export type { FetchLike } from './runner/endpoint-client.js';
export { EndpointError } from './runner/endpoint-client.js';
export { readResultsFile } from './runner/results-file.js';
export { type RunSuiteOptions, runSuite, runSuiteToFile } from './runner/run-suite.js';
export type { ScoringServices } from './runner/score-repeat.js';
export { type BuiltScoringServices, buildScoringServices } from './runner/scoring-services.js';
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
export { type PromptModelPins, promptModelContentHash } from './targets/prompt-model-target.js';
export { resolveTarget } from './targets/resolve-target.js';
export { DEFAULT_API_KEY_ENV } from './targets/server-client.js';
export type { ResolvedTarget, RetrievedContext, TargetAnswer, TargetContext } from './targets/target.js';
export { LIBRARY_VERSION } from './version.js';
