import { Lexer, type Token } from 'marked';
import type { ExtractedDocument, Section, SectionKind } from './extracted-document.js';
import { trimRange } from './trim-range.js';

const KIND_BY_TOKEN: Record<string, SectionKind> = {
  paragraph: 'paragraph',
  text: 'paragraph',
  list: 'list',
  code: 'code',
  table: 'table',
  blockquote: 'quote',
  html: 'other',
};

const SKIPPED_TOKENS = new Set(['space', 'hr', 'def']);
const HTML_COMMENT_ONLY = /^\s*<!--[\s\S]*?-->\s*$/;
// YAML front matter: a leading `---` block whose first line is a `key: value` pair.
const FRONT_MATTER = /^---[^\S\n]*\n[\w"'-][^\n]*:[\s\S]*?\n(?:---|\.\.\.)[^\S\n]*(?:\n|$)/;
const BASIC_ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos|nbsp));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeBasicEntities(text: string): string {
  return text.replace(BASIC_ENTITY, (match, dec?: string, hex?: string, name?: string) => {
    if (name) return NAMED[name] ?? match;
    const cp = dec ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? '', 16);
    return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : match;
  });
}

function inlineText(tokens: Token[] | undefined): string {
  let out = '';
  for (const token of tokens ?? []) {
    if (token.type === 'html') continue;
    if (token.type === 'br') out += ' ';
    else if ('tokens' in token && token.tokens?.length) out += inlineText(token.tokens);
    else if ('text' in token && typeof token.text === 'string') out += token.text;
  }
  return out;
}

function headingText(token: Token): string {
  const raw = 'tokens' in token && token.tokens ? inlineText(token.tokens) : String(token.raw);
  return decodeBasicEntities(raw).replace(/\s+/g, ' ').trim();
}

/**
 * marked normalizes CRLF to LF before lexing; this maps offsets in the normalized string back
 * to the source.
 */
function crlfOffsetMapper(source: string): (offset: number) => number {
  const collapsed: number[] = [];
  let removed = 0;
  for (let i = source.indexOf('\r\n'); i >= 0; i = source.indexOf('\r\n', i + 2)) {
    collapsed.push(i - removed);
    removed++;
  }
  return (offset) => {
    let lo = 0;
    let hi = collapsed.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((collapsed[mid] as number) < offset) lo = mid + 1;
      else hi = mid;
    }
    return offset + lo;
  };
}

/**
 * Sections of a markdown source from marked's block lexer. `text` is the source unchanged, so the
 * sections (and the chunks cut from them) keep the markdown syntax. YAML front matter is skipped.
 */
export function extractMarkdown(source: string): ExtractedDocument {
  const hasCr = source.includes('\r');
  const normalized = hasCr ? source.replace(/\r\n?/g, '\n') : source;
  const toSource = hasCr && source.includes('\r\n') ? crlfOffsetMapper(source) : (offset: number) => offset;

  const bodyStart = FRONT_MATTER.exec(normalized)?.[0].length ?? 0;
  const body = bodyStart > 0 ? normalized.slice(bodyStart) : normalized;
  const tokens = new Lexer({ gfm: true }).lex(body);

  const sections: Section[] = [];
  const headings: { level: number; text: string }[] = [];
  let path: string[] = [];
  let cursor = 0;
  for (const token of tokens) {
    const at = body.indexOf(token.raw, cursor);
    if (at < 0) continue;
    cursor = at + token.raw.length;
    if (SKIPPED_TOKENS.has(token.type)) continue;
    if (token.type === 'html' && HTML_COMMENT_ONLY.test(token.raw)) continue;
    const [s, e] = trimRange(body, at, cursor);
    if (s === e) continue;
    const start = toSource(bodyStart + s);
    const end = toSource(bodyStart + e);

    if (token.type === 'heading') {
      const text = headingText(token);
      if (text) {
        const level = token.depth as number;
        while (headings.length > 0 && (headings[headings.length - 1] as { level: number }).level >= level) {
          headings.pop();
        }
        headings.push({ level, text });
        path = headings.map((h) => h.text);
        sections.push({ start, end, kind: 'heading', headingPath: path, level });
        continue;
      }
    }
    sections.push({ start, end, kind: KIND_BY_TOKEN[token.type] ?? 'other', headingPath: path });
  }
  return { text: source, sections, contentType: 'text/markdown' };
}
