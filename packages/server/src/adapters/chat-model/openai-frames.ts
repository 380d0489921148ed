/** Shape checks for the JSON an OpenAI-compatible upstream answers with (bodies and stream frames). */

/** An `{"error": ...}` object (vLLM sends one with a 2xx status when generation fails mid-stream). */
export function isErrorObject(value: unknown): value is { error: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'error' in value &&
    (value as { error: unknown }).error != null &&
    !('choices' in value)
  );
}

/** Chat completions, text completions and their chunks all carry a `choices` array. */
export function hasChoices(value: unknown): value is { choices: unknown[]; usage?: unknown } {
  return (
    typeof value === 'object' && value !== null && Array.isArray((value as { choices?: unknown }).choices)
  );
}

/** JSON when it parses, else `{ error: text }` (an error event's data need not be JSON). */
export function parseLoose(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: text };
  }
}

/** An error's message with its cause's, for UpstreamError messages. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
