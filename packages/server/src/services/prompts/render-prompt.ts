import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { ChatMessage } from '../../ports/chat-model.js';
import type { PromptModelConfig, PromptVersionRow } from '../../ports/registry-repositories.js';
import { compiledTemplates } from './compiled-prompt.js';
import { variableProblems } from './prompt-variables.js';
import { resolvePromptVersion } from './resolve-prompt-version.js';
import { renderTemplate, type TemplateNode, TemplateRenderLimitError } from './template-engine.js';

export type { PromptModelConfig } from '../../ports/registry-repositories.js';

export interface RenderedPrompt {
  kind: 'text' | 'chat';
  text?: string;
  messages?: ChatMessage[];
  prompt: { name: string; version: number };
  modelConfig: PromptModelConfig | null;
}

/**
 * Renders a prompt version (by number, label, or the latest) with the request's variables, and for chat
 * prompts its history in place of the placeholder. Throws ApiError NOT_FOUND (prompt, version, label)
 * and INVALID_REQUEST naming each missing or wrongly typed variable.
 */
export async function renderPrompt(
  deps: AppDeps,
  input: {
    tenantId: string;
    name: string;
    version?: number;
    label?: string;
    variables: Record<string, unknown>;
    history?: ChatMessage[];
  },
): Promise<RenderedPrompt> {
  const row = await resolvePromptVersion(deps, input.tenantId, input.name, {
    version: input.version,
    label: input.label,
  });
  return renderPromptVersion(row, input.variables, input.history);
}

/** Renders one stored version; no storage involved. */
export function renderPromptVersion(
  row: PromptVersionRow,
  variables: Record<string, unknown>,
  history: ChatMessage[] = [],
): RenderedPrompt {
  const where = `prompt "${row.name}" version ${row.version}`;
  const problems = variableProblems(row.variables, variables);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    throw new ApiError('INVALID_REQUEST', `${list} (${where})`, { details: { issues: problems } });
  }
  const prompt = { name: row.name, version: row.version };
  const compiled = compiledTemplates(row);
  const render = (nodes: TemplateNode[]) => {
    try {
      return renderTemplate(nodes, variables);
    } catch (error) {
      if (error instanceof TemplateRenderLimitError) {
        throw new ApiError('PAYLOAD_TOO_LARGE', `variables: ${error.message} (${where})`);
      }
      throw error;
    }
  };

  if (typeof row.template === 'string') {
    if (history.length > 0) throw historyNotUsable(where, 'is a text prompt');
    return { kind: 'text', text: render(compiled as TemplateNode[]), prompt, modelConfig: row.modelConfig };
  }
  const trees = compiled as (TemplateNode[] | null)[];
  if (history.length > 0 && !row.template.some((message) => message.role === 'placeholder')) {
    throw historyNotUsable(where, 'has no history placeholder');
  }
  const messages: ChatMessage[] = [];
  row.template.forEach((message, index) => {
    const tree = trees[index];
    if (message.role === 'placeholder' || !tree) messages.push(...history);
    else messages.push({ role: message.role, content: render(tree) });
  });
  return { kind: 'chat', messages, prompt, modelConfig: row.modelConfig };
}

function historyNotUsable(where: string, why: string): ApiError {
  const message = `${where} ${why}: history needs a chat prompt with a {"role": "placeholder", "name": "history"} message`;
  return new ApiError('INVALID_REQUEST', `history: ${message}`, {
    details: { issues: [{ field: 'history', message }] },
  });
}
