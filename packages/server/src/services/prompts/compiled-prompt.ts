import type { PromptVersionRow } from '../../ports/registry-repositories.js';
import { parseTemplate, type TemplateNode } from './template-engine.js';

/** A version's templates, parsed: one tree for a text prompt, one per message (null: the placeholder). */
export type CompiledTemplates = TemplateNode[] | (TemplateNode[] | null)[];

/** Parsed templates by content hash: equal content parses to the same tree, and versions never change. */
const MAX_COMPILED = 500;
const compiled = new Map<string, CompiledTemplates>();

export function compiledTemplates(row: PromptVersionRow): CompiledTemplates {
  const hit = compiled.get(row.contentHash);
  if (hit) return hit;
  const parsed: CompiledTemplates =
    typeof row.template === 'string'
      ? parseTemplate(row.template)
      : row.template.map((message) =>
          message.role === 'placeholder' ? null : parseTemplate(message.content),
        );
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
  compiled.set(row.contentHash, parsed);
  return parsed;
}
