import type { CreatePromptVersionRequest, createPromptVersionRequestSchema } from '@ragline/sdk/contracts';
import type { z } from 'zod';
import { ApiError } from '../../core/api-error.js';
import { canonicalJson, sha256Hex } from '../../core/hash.js';
import type {
  PromptKind,
  PromptMessageTemplate,
  PromptModelConfig,
  PromptVariablesSchema,
} from '../../ports/registry-repositories.js';
import { type FieldIssue, inferVariables, schemaProblems } from './prompt-variables.js';
import { parseTemplate, type TemplateNode, TemplateSyntaxError, topLevelNames } from './template-engine.js';

/** All of a version's templates together: prompts are read whole on every render. */
export const MAX_TEMPLATE_CHARACTERS = 200_000;

export type CreatePromptVersionInput = z.output<typeof createPromptVersionRequestSchema>;

/** What a prompt version stores besides its name, number and commit message. */
export interface PromptContent {
  kind: PromptKind;
  template: string | PromptMessageTemplate[];
  variables: PromptVariablesSchema;
  modelConfig: PromptModelConfig | null;
  contentHash: string;
}

/**
 * Checks a create request and turns it into stored content: every template parses (an unknown tag is a
 * 400 naming the field, line and column), at most one history placeholder, a declared variables schema
 * covers every name the templates read at the top level (else a schema is inferred), and the content
 * hash covers everything but the commit message.
 */
export async function preparePromptContent(input: CreatePromptVersionInput): Promise<PromptContent> {
  const issues: FieldIssue[] = [];
  const kind: PromptKind = input.messages !== undefined ? 'chat' : 'text';
  const template: string | PromptMessageTemplate[] =
    kind === 'chat' ? (input.messages as PromptMessageTemplate[]) : (input.template as string);
  const characters =
    typeof template === 'string'
      ? template.length
      : template.reduce((sum, m) => sum + (m.role === 'placeholder' ? 0 : m.content.length), 0);
  if (characters > MAX_TEMPLATE_CHARACTERS) {
    const field = kind === 'chat' ? 'messages' : 'template';
    throw invalid([{ field, message: `at most ${MAX_TEMPLATE_CHARACTERS} characters of templates in all` }]);
  }

  const names = { variables: new Set<string>(), sections: new Set<string>() };
  const readNames = (source: string, field: string) => {
    const nodes = parseOrIssue(source, field, issues);
    if (!nodes) return;
    const found = topLevelNames(nodes);
    for (const name of found.variables) names.variables.add(name);
    for (const name of found.sections) names.sections.add(name);
    return found;
  };
  const perField: { field: string; found: ReturnType<typeof topLevelNames> }[] = [];
  if (typeof template === 'string') {
    const found = readNames(template, 'template');
    if (found) perField.push({ field: 'template', found });
  } else {
    let placeholders = 0;
    template.forEach((message, index) => {
      if (message.role === 'placeholder') {
        if (++placeholders > 1) {
          issues.push({ field: `messages[${index}]`, message: 'at most one history placeholder' });
        }
        return;
      }
      const field = `messages[${index}].content`;
      const found = readNames(message.content, field);
      if (found) perField.push({ field, found });
    });
  }

  let variables: PromptVariablesSchema;
  if (input.variables) {
    variables = {
      type: 'object',
      properties: input.variables.properties as PromptVariablesSchema['properties'],
      required: [...new Set(input.variables.required)],
    };
    issues.push(...schemaProblems(variables));
    // A typo in a tag would otherwise render as '' for ever: the version is immutable.
    for (const { field, found } of perField) {
      for (const name of [...found.variables, ...found.sections]) {
        if (!Object.hasOwn(variables.properties, name)) {
          issues.push({
            field,
            message: `reads {{${name}}}, which variables does not declare (declare it, or fix the tag)`,
          });
        }
      }
    }
  } else {
    variables = inferVariables(names);
  }

  const modelConfig = modelConfigOf(input.model);
  if (issues.length > 0) throw invalid(issues);
  const contentHash = await sha256Hex(canonicalJson({ kind, template, variables, modelConfig }));
  return { kind, template, variables, modelConfig, contentHash };
}

function parseOrIssue(source: string, field: string, issues: FieldIssue[]): TemplateNode[] | undefined {
  try {
    return parseTemplate(source);
  } catch (error) {
    if (!(error instanceof TemplateSyntaxError)) throw error;
    issues.push({ field, message: error.message });
    return undefined;
  }
}

function modelConfigOf(model: CreatePromptVersionRequest['model']): PromptModelConfig | null {
  if (model === undefined) return null;
  if (typeof model === 'string') return { model };
  const config: PromptModelConfig = {};
  if (model.model !== undefined) config.model = model.model;
  if (model.parameters !== undefined) config.parameters = model.parameters;
  return Object.keys(config).length > 0 ? config : null;
}

/** A 400 naming every field, in parseBody's shape. */
export function invalid(issues: FieldIssue[]): ApiError {
  const [first] = issues;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new ApiError('INVALID_REQUEST', `${first?.field}: ${first?.message}${more}`, {
    details: { issues },
  });
}
