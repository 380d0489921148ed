import type { JsonValue } from '../run/eval-run.js';
import { contentHash } from '../runner/content-hash.js';
import type { ScoringServices } from '../runner/score-repeat.js';
import type { DatasetCase } from '../suite/dataset.js';
import type { SuiteDefinition } from '../suite/suite-definition.js';
import { LIBRARY_VERSION } from '../version.js';

/**
 * The case as the target and the metrics see it. Tags are left out: they label a case in reports but
 * change neither its answer nor its scores.
 */
export function caseCacheKey(item: DatasetCase): string {
  const { tags: _tags, ...scored } = item;
  return contentHash(scored);
}

/**
 * Everything scores depend on besides the target and the case: the metric definitions (with thresholds),
 * the judge and embedder (less the name of their key variable), the judge prompt versions the services
 * send (`services.judgePrompts`, from the registry), `extra` from the caller, and the library version
 * (the scoring code itself).
 */
export function metricConfigCacheKey(
  suite: SuiteDefinition,
  services: ScoringServices,
  extra?: JsonValue,
): string {
  const judgePrompts = Object.fromEntries(
    Object.entries(services.judgePrompts ?? {}).map(([id, prompt]) => [
      id,
      prompt?.ref ?? contentHash(prompt?.template ?? null),
    ]),
  );
  return contentHash({
    metrics: suite.metrics,
    judge: suite.judge && { ...suite.judge, apiKeyEnv: undefined },
    embedder: suite.embedder && { ...suite.embedder, apiKeyEnv: undefined },
    judgePrompts,
    relevancyQuestions: services.relevancyQuestions,
    extra,
    libraryVersion: LIBRARY_VERSION,
  });
}
