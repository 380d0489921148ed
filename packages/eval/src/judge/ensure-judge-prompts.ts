import { NotFoundError } from '@ragline/sdk';
import { EndpointError } from '../runner/endpoint-client.js';
import { callServer, type ServerConnection } from '../targets/server-client.js';
import { LIBRARY_VERSION } from '../version.js';
import {
  DEFAULT_JUDGE_TEMPLATES,
  type JudgePromptId,
  type JudgePromptSet,
  judgePromptName,
} from './judge-templates.js';

/**
 * Makes sure the registry holds each judge prompt and returns the version to run with. Decision: the
 * built-in template is stored as a new version only when no version of the prompt holds it yet (a new
 * prompt, or a library release that changed the template); otherwise the latest version runs as stored,
 * so a template edited in the registry is what scores, and the run names it by `name@version`.
 * A server that cannot be reached or refuses is an `EndpointError` (infrastructure, exit 2).
 */
export async function ensureJudgePrompts(
  connection: ServerConnection,
  ids: readonly JudgePromptId[],
  templates: Record<JudgePromptId, string> = DEFAULT_JUDGE_TEMPLATES,
): Promise<JudgePromptSet> {
  const prompts: JudgePromptSet = {};
  for (const id of new Set(ids)) {
    const name = judgePromptName(id);
    const template = templates[id];
    const { value: latest } = await callServer(connection, async (client) => {
      const versions = await client.prompts.versions(name).then(
        (list) => list.data,
        (error: unknown) => {
          if (error instanceof NotFoundError) return [];
          throw error;
        },
      );
      if (versions.some((version) => version.template === template)) return versions.at(-1);
      return client.prompts.create(name, {
        template,
        message: `@ragline/eval ${LIBRARY_VERSION} built-in judge prompt`,
      });
    });
    if (latest === undefined) throw new EndpointError(`prompt "${name}" has versions but no latest`);
    if (latest.template === null) {
      throw new EndpointError(
        `judge prompt ${name}@${latest.version} is a chat prompt; judge prompts must be text prompts`,
      );
    }
    prompts[id] = { template: latest.template, ref: `${name}@${latest.version}` };
  }
  return prompts;
}
