import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { CreatePromptVersionRequest } from '@ragline/sdk';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './cli-error.js';

/** A prompt file's contents: the name to push it under and the version's body. */
export interface PromptFile {
  name: string | undefined;
  body: CreatePromptVersionRequest;
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/**
 * Reads `name`, `template` or `messages`, `variables`, `model` and `message` from a YAML or JSON file,
 * or from a Markdown file's front matter, its body being the (text) template. The server checks the
 * template and the schema and names the bad fields.
 */
export async function readPromptFile(path: string): Promise<PromptFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const markdown = ['.md', '.markdown'].includes(extname(path).toLowerCase());
  let fields: Record<string, unknown>;
  if (markdown) {
    const match = FRONT_MATTER.exec(text);
    fields = match ? objectFrom(parse(match[1] as string, path), path) : {};
    const body = match ? text.slice(match[0].length) : text;
    if (fields.messages === undefined) fields.template = body.replace(/\r?\n$/, '');
    else if (body.trim() !== '') {
      throw new UsageError(`${path}: the front matter has messages, so the body after it must be empty`);
    }
  } else {
    // YAML is a superset of JSON, so one parser reads both.
    fields = objectFrom(parse(text, path), path);
  }
  const { name, ...body } = fields;
  if (name !== undefined && typeof name !== 'string') throw new UsageError(`${path}: name must be a string`);
  if (body.template === undefined && body.messages === undefined) {
    throw new UsageError(
      `${path} holds no prompt: expected template (a text prompt) or messages (a chat prompt)`,
    );
  }
  return { name, body: body as CreatePromptVersionRequest };
}

function parse(text: string, path: string): unknown {
  try {
    return parseYaml(text);
  } catch (error) {
    throw new UsageError(`${path} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
}

function objectFrom(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(
      `${path}: expected an object with name, template or messages, variables, model, message`,
    );
  }
  return { ...(value as Record<string, unknown>) };
}
