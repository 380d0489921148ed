import { contentHash } from '../runner/content-hash.js';
import { completeChat } from '../runner/endpoint-client.js';
import { type EndpointTargetDefinition, SuiteError } from '../suite/suite-definition.js';
import type { ResolvedTarget, TargetContext } from './target.js';

/** A raw OpenAI-compatible endpoint: the content hash covers what shapes its answers (URL, model, system, temperature). */
export function endpointTarget(target: EndpointTargetDefinition, context: TargetContext): ResolvedTarget {
  const apiKey = readApiKey(target.apiKeyEnv, context, 'target.apiKeyEnv');
  const { kind, baseURL, model, system, temperature } = target;
  return {
    ref: {
      kind,
      description: `${model} at ${baseURL}`,
      contentHash: contentHash({ kind, baseURL, model, system, temperature }),
    },
    call: async (_item, input) => ({ output: await completeChat(target, input, apiKey, context.fetch) }),
  };
}

/** The value of the environment variable `name` (undefined when no name is given); a missing value is a suite error. */
export function readApiKey(
  name: string | undefined,
  context: TargetContext,
  field: string,
): string | undefined {
  if (name === undefined) return undefined;
  const value = context.env[name];
  if (value === undefined || value === '')
    throw new SuiteError(context.where, field, `environment variable ${name} is not set`);
  return value;
}
