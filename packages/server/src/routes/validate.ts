import type { z } from 'zod';
import { ApiError } from '../core/api-error.js';

/** Parses with zod; on failure a 400 that names each bad field (`documents[2].id: ...`). */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown, root = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    field: formatPath(root, issue.path),
    message: issue.message,
  }));
  const first = issues[0];
  const summary = first ? `${first.field || 'body'}: ${first.message}` : 'invalid request';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw new ApiError('INVALID_REQUEST', summary + more, { details: { issues } });
}

function formatPath(root: string, path: PropertyKey[]): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

export async function readJson(req: { json(): Promise<unknown> }): Promise<unknown> {
  try {
    return await req.json();
  } catch {
    throw new ApiError('INVALID_JSON', 'request body is not valid JSON');
  }
}
