import type { AppDeps } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import type { PromptVersionRow } from '../../ports/registry-repositories.js';
import { type CreatePromptVersionInput, preparePromptContent } from './prompt-content.js';

/**
 * Stores the prompt's next version. Decision: content identical to the latest version (same kind,
 * template or messages, variables and model; the commit message does not count) is not a new version:
 * the latest comes back with `created: false`, so pushing the same file twice is harmless. Content equal
 * to an older version is a new version (a revert is a change worth numbering).
 */
export async function createPromptVersion(
  deps: AppDeps,
  principal: Principal,
  name: string,
  input: CreatePromptVersionInput,
): Promise<{ row: PromptVersionRow; created: boolean }> {
  const content = await preparePromptContent(input);
  const result = await deps.metadata.prompts.append({
    tenantId: principal.tenantId,
    name,
    ...content,
    message: input.message ?? null,
    createdAt: deps.clock.now().toISOString(),
    createdBy: principal.keyId,
  });
  if (result.created) {
    deps.logger.info('prompt version created', { name, version: result.row.version, kind: result.row.kind });
  }
  return result;
}
