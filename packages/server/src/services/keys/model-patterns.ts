import { ApiError } from '../../core/api-error.js';

/**
 * A key's model allow-list: route and embedder names as glob patterns. `*` matches any run of
 * characters (`/` included, so `meta-llama/*` works); every other character is literal.
 */

/** Whether `model` matches one of `patterns`; a null list allows every model, an empty one none. */
export function modelAllowed(patterns: readonly string[] | null, model: string): boolean {
  if (patterns === null) return true;
  return patterns.some((pattern) => globMatches(pattern, model));
}

function globMatches(pattern: string, name: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === name;
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (name.length < first.length + last.length) return false;
  if (!name.startsWith(first) || !name.endsWith(last)) return false;
  // The middle parts in order, each as early as possible, between the fixed prefix and suffix.
  let at = first.length;
  const end = name.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const found = name.indexOf(part, at);
    if (found === -1 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/**
 * Refuses a model outside the key's allow-list with 403, naming it. Callers check before looking the
 * model up, so a refusal says nothing about whether the model exists.
 */
export function assertModelAllowed(patterns: readonly string[] | null, model: string): void {
  if (modelAllowed(patterns, model)) return;
  throw new ApiError('FORBIDDEN', `this API key may not use the model \`${model}\``, {
    details: { field: 'model', model },
  });
}
