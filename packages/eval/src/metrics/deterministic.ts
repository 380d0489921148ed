/**
 * Deterministic checks on a model answer. Each returns `true` (pass) or `false` (fail); averaged over cases
 * (true = 1, false = 0) they give a pass rate.
 */

export interface EqualsOptions {
  /** Remove leading and trailing whitespace from both strings before comparing. Default false. */
  trim?: boolean;
}

/** `true` when `actual` and `expected` are the same string (code unit for code unit, after optional trimming). */
export function equals(actual: string, expected: string, options: EqualsOptions = {}): boolean {
  return options.trim ? actual.trim() === expected.trim() : actual === expected;
}

export interface ContainsOptions {
  /** `'all'`: every needle must occur; `'any'`: at least one must. Default `'all'`. */
  mode?: 'any' | 'all';
  /** Compare after `toLowerCase()` on both sides. Default false. */
  caseInsensitive?: boolean;
}

/**
 * `true` when `actual` contains the needles as substrings: all of them (`mode: 'all'`, the default) or at
 * least one (`mode: 'any'`). An empty needle list passes in `'all'` mode and fails in `'any'` mode.
 */
export function contains(
  actual: string,
  needles: string | readonly string[],
  options: ContainsOptions = {},
): boolean {
  const list = typeof needles === 'string' ? [needles] : needles;
  const fold = options.caseInsensitive ? (text: string) => text.toLowerCase() : (text: string) => text;
  const haystack = fold(actual);
  const found = (needle: string) => haystack.includes(fold(needle));
  return options.mode === 'any' ? list.some(found) : list.every(found);
}

/**
 * `true` when `new RegExp(pattern, flags)` matches somewhere in `actual` (anchor with `^`/`$` for a full
 * match). Throws the `SyntaxError` of the `RegExp` constructor for an invalid pattern or flags.
 */
export function matchesRegex(actual: string, pattern: string, flags = ''): boolean {
  // Strip g/y: they make RegExp.test stateful, and a one-shot test has no use for them.
  return new RegExp(pattern, flags.replace(/[gy]/g, '')).test(actual);
}

/** `true` when `JSON.parse(actual)` succeeds. */
export function isValidJson(actual: string): boolean {
  return parseJson(actual).ok;
}

/**
 * `true` when `actual` parses as JSON, the dot path `path` (for example `answer.items.0.id`; a numeric segment
 * indexes an array; the empty path is the whole document) exists in it, and the value there is structurally
 * equal to `expected` (same JSON type; objects with the same keys, in any order; arrays element by element).
 * Invalid JSON or a missing path gives `false`.
 */
export function jsonFieldEquals(actual: string, path: string, expected: unknown): boolean {
  const parsed = parseJson(actual);
  if (!parsed.ok) return false;
  const found = getAtPath(parsed.value, path);
  return found.ok && jsonEqual(found.value, expected);
}

type Lookup = { ok: true; value: unknown } | { ok: false };

function parseJson(text: string): Lookup {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function getAtPath(root: unknown, path: string): Lookup {
  let current: unknown = root;
  for (const segment of path === '' ? [] : path.split('.')) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return { ok: false };
      const index = Number(segment);
      if (index >= current.length) return { ok: false };
      current = current[index];
    } else if (isPlainObject(current) && Object.hasOwn(current, segment)) {
      current = current[segment];
    } else {
      return { ok: false };
    }
  }
  return { ok: true, value: current };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => jsonEqual(item, b[i]))
    );
  }
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]))
    );
  }
  return Object.is(a, b) || a === b;
}
