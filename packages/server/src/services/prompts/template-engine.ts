/**
 * A small, logic-less Mustache subset for prompt templates. Templates only read values: no partials,
 * no lambdas, no delimiter changes, nothing is ever called, and lookups see own properties of plain
 * data only (so `{{constructor}}` or `{{__proto__.x}}` find nothing). Nothing is escaped: prompts are
 * not HTML.
 *
 *   {{name}} {{a.b.c}} {{.}}     a value; `{{{name}}}` and `{{& name}}` are accepted as the same
 *   {{#name}}...{{/name}}        each item of a non-empty list, once for another truthy value
 *   {{^name}}...{{/name}}        when the value is missing, false, null, '', 0 or an empty list
 *   {{! comment }}               dropped
 *
 * A line holding only a section, inverted, closing or comment tag (and blanks) is removed entirely, as
 * Mustache does, so block tags can sit on their own lines.
 */

export type TemplateNode =
  | { type: 'text'; text: string }
  | { type: 'variable'; name: string; path: string[] }
  | { type: 'section'; name: string; path: string[]; inverted: boolean; children: TemplateNode[] };

export class TemplateSyntaxError extends Error {
  override readonly name = 'TemplateSyntaxError';
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${reason}`);
  }
}

export class TemplateRenderLimitError extends Error {
  override readonly name = 'TemplateRenderLimitError';
}

/** Sections nested deeper than this are refused when the template is stored. */
export const MAX_SECTION_DEPTH = 16;
/** Default cap on a rendered text, so nested sections over long lists cannot grow without bound. */
export const DEFAULT_MAX_RENDERED_LENGTH = 1_000_000;

const NAME = /^(?:\.|[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*)$/;

type FlatToken =
  | { type: 'text'; text: string }
  | {
      type: 'tag';
      kind: 'variable' | 'open' | 'inverted' | 'close' | 'comment';
      name: string;
      line: number;
      column: number;
    };

/** Parses a template; throws TemplateSyntaxError naming the line and column of the first problem. */
export function parseTemplate(source: string): TemplateNode[] {
  return buildTree(dropStandaloneLines(tokenize(source)));
}

function tokenize(source: string): FlatToken[] {
  const tokens: FlatToken[] = [];
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('{{', at);
    if (open === -1) {
      pushText(tokens, source.slice(at));
      break;
    }
    pushText(tokens, source.slice(at, open));
    const { line, column } = position(source, open);
    const fail = (reason: string): never => {
      throw new TemplateSyntaxError(reason, line, column);
    };
    if (source.startsWith('{{{', open)) {
      const close = source.indexOf('}}}', open + 3);
      if (close === -1) fail('"{{{" is never closed with "}}}"');
      const name = source.slice(open + 3, close).trim();
      tokens.push({ type: 'tag', kind: 'variable', name: checkName(name, fail), line, column });
      at = close + 3;
      continue;
    }
    const close = source.indexOf('}}', open + 2);
    if (close === -1) fail('"{{" is never closed with "}}"');
    const inner = source.slice(open + 2, close).trim();
    const sigil = inner[0] ?? '';
    const rest = inner.slice(1).trim();
    at = close + 2;
    switch (sigil) {
      case '!':
        tokens.push({ type: 'tag', kind: 'comment', name: '', line, column });
        break;
      case '#':
        tokens.push({ type: 'tag', kind: 'open', name: checkName(rest, fail), line, column });
        break;
      case '^':
        tokens.push({ type: 'tag', kind: 'inverted', name: checkName(rest, fail), line, column });
        break;
      case '/':
        tokens.push({ type: 'tag', kind: 'close', name: checkName(rest, fail), line, column });
        break;
      case '&':
        tokens.push({ type: 'tag', kind: 'variable', name: checkName(rest, fail), line, column });
        break;
      case '>':
        fail(`partials ("{{> ${rest}}}") are not supported: put the text in the template`);
        break;
      case '=':
        fail('changing delimiters ("{{=...=}}") is not supported');
        break;
      default:
        tokens.push({ type: 'tag', kind: 'variable', name: checkName(inner, fail), line, column });
    }
  }
  return tokens;
}

function checkName(name: string, fail: (reason: string) => never): string {
  if (name === '') fail('empty tag "{{}}"');
  if (!NAME.test(name)) {
    fail(
      `unknown tag "{{${name}}}": names are letters, digits, "_" and "-", joined by "." (or "." alone); ` +
        'tags are {{name}}, {{#name}}, {{^name}}, {{/name}} and {{! comment}}',
    );
  }
  return name;
}

function pushText(tokens: FlatToken[], text: string): void {
  // one token per line piece, each ending at a newline, so standalone lines can be found
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline + 1;
    tokens.push({ type: 'text', text: text.slice(start, end) });
    start = end;
  }
}

function position(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = source.indexOf('\n'); i !== -1 && i < offset; i = source.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

const BLANK = /^[ \t]*\r?\n?$/;

/** Removes the blanks and the newline around a block tag that sits alone on its line. */
function dropStandaloneLines(tokens: FlatToken[]): FlatToken[] {
  const out: FlatToken[] = [];
  let line: FlatToken[] = [];
  const flush = () => {
    const tags = line.filter((t) => t.type === 'tag');
    const only = tags.length === 1 ? tags[0] : undefined;
    const standalone =
      only?.type === 'tag' &&
      only.kind !== 'variable' &&
      line.every((t) => t.type === 'tag' || BLANK.test(t.text));
    out.push(...(standalone ? tags : line));
    line = [];
  };
  for (const token of tokens) {
    line.push(token);
    if (token.type === 'text' && token.text.endsWith('\n')) flush();
  }
  flush();
  return out;
}

function buildTree(tokens: FlatToken[]): TemplateNode[] {
  const root: TemplateNode[] = [];
  const stack: { node: Extract<TemplateNode, { type: 'section' }>; line: number; column: number }[] = [];
  const current = () => stack.at(-1)?.node.children ?? root;
  for (const token of tokens) {
    if (token.type === 'text') {
      const siblings = current();
      const last = siblings.at(-1);
      if (last?.type === 'text') last.text += token.text;
      else siblings.push({ type: 'text', text: token.text });
      continue;
    }
    switch (token.kind) {
      case 'comment':
        break;
      case 'variable':
        current().push({ type: 'variable', name: token.name, path: pathOf(token.name) });
        break;
      case 'open':
      case 'inverted': {
        if (stack.length >= MAX_SECTION_DEPTH) {
          throw new TemplateSyntaxError(
            `sections are nested more than ${MAX_SECTION_DEPTH} deep`,
            token.line,
            token.column,
          );
        }
        const node = {
          type: 'section' as const,
          name: token.name,
          path: pathOf(token.name),
          inverted: token.kind === 'inverted',
          children: [],
        };
        current().push(node);
        stack.push({ node, line: token.line, column: token.column });
        break;
      }
      case 'close': {
        const open = stack.pop();
        if (!open) {
          throw new TemplateSyntaxError(`"{{/${token.name}}}" closes no section`, token.line, token.column);
        }
        if (open.node.name !== token.name) {
          throw new TemplateSyntaxError(
            `"{{/${token.name}}}" closes "{{${open.node.inverted ? '^' : '#'}${open.node.name}}}" ` +
              `(opened at line ${open.line}, column ${open.column})`,
            token.line,
            token.column,
          );
        }
        break;
      }
    }
  }
  const unclosed = stack.pop();
  if (unclosed) {
    throw new TemplateSyntaxError(
      `"{{${unclosed.node.inverted ? '^' : '#'}${unclosed.node.name}}}" is never closed`,
      unclosed.line,
      unclosed.column,
    );
  }
  return root;
}

function pathOf(name: string): string[] {
  return name === '.' ? [] : name.split('.');
}

/**
 * The names a template reads from the top-level variables: `variables` from value tags, `sections`
 * from section and inverted tags, each by its first segment. Tags inside a `{{#section}}` are left out
 * (they may read the section's items), tags inside `{{^inverted}}` are not (it pushes nothing).
 */
export function topLevelNames(nodes: TemplateNode[]): { variables: Set<string>; sections: Set<string> } {
  const variables = new Set<string>();
  const sections = new Set<string>();
  const visit = (list: TemplateNode[]) => {
    for (const node of list) {
      const first = node.type === 'text' ? undefined : node.path[0];
      if (node.type === 'variable' && first !== undefined) variables.add(first);
      if (node.type === 'section') {
        if (first !== undefined) sections.add(first);
        if (node.inverted) visit(node.children);
      }
    }
  };
  visit(nodes);
  return { variables, sections };
}

/** Renders parsed nodes over plain data (JSON values); never calls anything it finds. */
export function renderTemplate(
  nodes: TemplateNode[],
  view: Record<string, unknown>,
  options: { maxLength?: number } = {},
): string {
  const maxLength = options.maxLength ?? DEFAULT_MAX_RENDERED_LENGTH;
  const parts: string[] = [];
  let length = 0;
  const emit = (text: string) => {
    length += text.length;
    if (length > maxLength) {
      throw new TemplateRenderLimitError(`the rendered prompt is longer than ${maxLength} characters`);
    }
    parts.push(text);
  };
  const render = (list: TemplateNode[], stack: unknown[]) => {
    for (const node of list) {
      if (node.type === 'text') {
        emit(node.text);
        continue;
      }
      const value = lookup(stack, node.path);
      if (node.type === 'variable') {
        emit(display(value));
      } else if (node.inverted) {
        if (!truthy(value)) render(node.children, stack);
      } else if (Array.isArray(value)) {
        for (const item of value) render(node.children, [...stack, item]);
      } else if (truthy(value)) {
        render(node.children, [...stack, value]);
      }
    }
  };
  render(nodes, [view]);
  return parts.join('');
}

/** Mustache's lookup: the first segment up the context stack, the rest inside what it found. */
function lookup(stack: unknown[], path: string[]): unknown {
  if (path.length === 0) return stack.at(-1);
  const [first, ...rest] = path as [string, ...string[]];
  for (let i = stack.length - 1; i >= 0; i--) {
    const frame = stack[i];
    if (!hasOwn(frame, first)) continue;
    let value = readable((frame as Record<string, unknown>)[first]);
    for (const segment of rest) {
      if (!hasOwn(value, segment)) return undefined;
      value = readable((value as Record<string, unknown>)[segment]);
    }
    return value;
  }
  return undefined;
}

function hasOwn(value: unknown, key: string): boolean {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key);
}

/** Functions (and other non-data) read as missing: a template can never call code. */
function readable(value: unknown): unknown {
  return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

function display(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  // lists and objects render as JSON, which a model reads better than "[object Object]"
  return JSON.stringify(value) ?? '';
}
