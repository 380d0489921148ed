import { cachedEmbedder } from '../judge/embedding-cache.js';
import { ensureJudgePrompts } from '../judge/ensure-judge-prompts.js';
import { JUDGE_PROMPTS_OF, type JudgePromptId } from '../judge/judge-templates.js';
import { serverEmbedder, serverJudge } from '../judge/server-calls.js';
import { type SuiteDefinition, SuiteError } from '../suite/suite-definition.js';
import { readApiKey } from '../targets/endpoint-target.js';
import { DEFAULT_API_KEY_ENV, type ServerConnection } from '../targets/server-client.js';
import type { TargetContext } from '../targets/target.js';
import type { ScoringServices } from './score-repeat.js';

const DEFAULT_TIMEOUT_MS = 60_000;

export interface BuiltScoringServices extends ScoringServices {
  /** Per judged metric name, the judge prompts that scored it as `name@version` (in call order). */
  judgePromptRefs: Record<string, string[]>;
}

/**
 * The judge and embedder of a suite, through its Ragline server: judge calls go to
 * `POST /v1/chat/completions` (metered as `judge`), embeddings to `POST /v1/embeddings` (cached per run),
 * and the judge prompts the suite's metrics need are made sure of in the registry first. An unreachable
 * server or a refused key is an `EndpointError`; a missing server or API key variable is a `SuiteError`.
 */
export async function buildScoringServices(
  suite: SuiteDefinition,
  context: TargetContext,
): Promise<BuiltScoringServices> {
  const services: BuiltScoringServices = { judgePromptRefs: {} };
  const promptIds = suite.metrics.flatMap((metric) => JUDGE_PROMPTS_OF[metric.kind] ?? []);
  if (suite.judge !== undefined && promptIds.length > 0) {
    const connection = connectionFor('judge', suite.judge, suite, context);
    services.judge = serverJudge(connection, suite.judge);
    services.judgePrompts = await ensureJudgePrompts(connection, promptIds);
    if (suite.judge.questions !== undefined) services.relevancyQuestions = suite.judge.questions;
    for (const metric of suite.metrics) {
      const ids: readonly JudgePromptId[] = JUDGE_PROMPTS_OF[metric.kind] ?? [];
      if (ids.length === 0) continue;
      services.judgePromptRefs[metric.name] = ids.map((id) => services.judgePrompts?.[id]?.ref ?? id);
    }
  }
  if (suite.embedder !== undefined) {
    const connection = connectionFor('embedder', suite.embedder, suite, context);
    services.embed = cachedEmbedder(serverEmbedder(connection, suite.embedder.model));
  }
  return services;
}

/**
 * The server of the judge or embedder: its own `server`, else the target's (with the target's key and
 * timeout). The key comes from `apiKeyEnv` (unset: a suite error) or `RAGLINE_API_KEY` (unset: no key).
 */
function connectionFor(
  section: 'judge' | 'embedder',
  definition: { server?: string; apiKeyEnv?: string },
  suite: SuiteDefinition,
  context: TargetContext,
): ServerConnection {
  const target = suite.target.kind === 'endpoint' ? undefined : suite.target;
  const server = definition.server ?? target?.server;
  if (server === undefined) {
    throw new SuiteError(
      context.where,
      `${section}.server`,
      `required: the target (kind "${suite.target.kind}") is not a Ragline server`,
    );
  }
  const inherited = definition.server === undefined;
  const keyEnv = definition.apiKeyEnv ?? (inherited ? target?.apiKeyEnv : undefined);
  const field = definition.apiKeyEnv !== undefined ? `${section}.apiKeyEnv` : 'target.apiKeyEnv';
  const apiKey =
    keyEnv === undefined ? context.env[DEFAULT_API_KEY_ENV] || undefined : readApiKey(keyEnv, context, field);
  return {
    baseURL: server.replace(/\/+$/, '').replace(/\/v1$/, ''),
    apiKey,
    timeoutMs: (inherited ? target?.timeoutMs : undefined) ?? DEFAULT_TIMEOUT_MS,
    context,
  };
}
