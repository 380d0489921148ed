/**
 * Reads the JSON a judge model answered. Models wrap JSON in code fences or add a sentence around it, so
 * the reply is tried whole, then as its first fenced block, then from each `{` or `[` to its matching
 * bracket. Returns undefined when no JSON value can be found.
 */
export function extractJson(reply: string): unknown {
  const whole = tryParse(reply.trim());
  if (whole.ok) return whole.value;
  for (const fenced of reply.matchAll(/```[a-zA-Z]*\s*\n?([\s\S]*?)```/g)) {
    const parsed = tryParse((fenced[1] ?? '').trim());
    if (parsed.ok) return parsed.value;
  }
  for (let start = 0; start < reply.length; start++) {
    const char = reply[start];
    if (char !== '{' && char !== '[') continue;
    const end = matchingBracket(reply, start);
    if (end === -1) continue;
    const parsed = tryParse(reply.slice(start, end + 1));
    if (parsed.ok) return parsed.value;
  }
  return undefined;
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text === '') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Index of the bracket closing the one at `start`, skipping brackets inside JSON strings; -1 if none. */
function matchingBracket(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
