import { Parser } from 'htmlparser2';
import type { ExtractedDocument, Section, SectionKind } from './extracted-document.js';
import { trimRange } from './trim-range.js';

/** Elements whose content is never visible text, or is navigation chrome rather than the document. */
const SKIPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'head',
  'title',
  'nav',
  'aside',
  'footer',
  'svg',
  'math',
  'canvas',
  'iframe',
  'object',
  'embed',
  'audio',
  'video',
  'button',
  'select',
  'datalist',
  'textarea',
  'dialog',
]);
const NOISE_ROLES = new Set([
  'navigation',
  'banner',
  'contentinfo',
  'complementary',
  'search',
  'menu',
  'menubar',
]);
const DISPLAY_NONE = /display\s*:\s*none|visibility\s*:\s*hidden/i;

/** Block elements whose whole content is one section of their kind, nested blocks included. */
const CONTAINERS: Record<string, SectionKind> = {
  ul: 'list',
  ol: 'list',
  dl: 'list',
  menu: 'list',
  li: 'list',
  pre: 'code',
  table: 'table',
  blockquote: 'quote',
};

const BLOCKS = new Set([
  'address',
  'article',
  'body',
  'caption',
  'center',
  'dd',
  'details',
  'div',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hgroup',
  'hr',
  'html',
  'legend',
  'li',
  'main',
  'p',
  'section',
  'summary',
  'tbody',
  'tfoot',
  'thead',
  'tr',
  ...Object.keys(CONTAINERS),
]);

const PARAGRAPH_PARENTS = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'body',
  'html',
  'header',
  'center',
]);
const COLLAPSIBLE = /[ \t\n\f\r\u00a0]+/g;
const HEADING = /^h([1-6])$/;

interface OpenElement {
  name: string;
  skip: boolean;
  container: boolean;
  heading: number;
}

/**
 * The visible text of an HTML document, as a browser would lay it out in plain text: whitespace
 * collapsed (kept inside <pre>), entities decoded, blocks on their own lines (a blank line between
 * top-level blocks), table cells separated by " | ", scripts, styles, navigation and hidden
 * elements dropped. Each top-level block with text is a section; lists, tables, <pre> and
 * <blockquote> are one section each; h1-h6 set the heading path.
 */
export function extractHtml(html: string): ExtractedDocument {
  const parts: string[] = [];
  let length = 0;
  let atLineStart = true;
  let pendingBreak = 0;
  let pendingInline = '';

  const stack: OpenElement[] = [];
  let skipDepth = 0;
  let containerDepth = 0;
  let containerKind: SectionKind = 'other';
  let preDepth = 0;
  let preJustOpened = false;
  let headingLevel = 0;
  let openPartIndex = 0;
  const cellsInRow: number[] = [];

  const sections: Section[] = [];
  const headings: { level: number; text: string }[] = [];
  let path: string[] = [];
  let open: Section | null = null;

  const append = (s: string) => {
    parts.push(s);
    length += s.length;
  };

  const trimTrailingOutput = () => {
    while (parts.length > 0) {
      const last = parts[parts.length - 1] as string;
      const trimmed = last.replace(/\s+$/, '');
      length -= last.length - trimmed.length;
      if (trimmed) {
        parts[parts.length - 1] = trimmed;
        break;
      }
      parts.pop();
    }
    atLineStart = length === 0 || parts[parts.length - 1]?.endsWith('\n') === true;
  };

  const sectionKind = (): SectionKind => {
    if (containerDepth > 0) return containerKind;
    if (headingLevel > 0) return 'heading';
    for (let i = stack.length - 1; i >= 0; i--) {
      const name = (stack[i] as OpenElement).name;
      if (BLOCKS.has(name)) return PARAGRAPH_PARENTS.has(name) ? 'paragraph' : 'other';
    }
    return 'paragraph';
  };

  const write = (s: string) => {
    if (length > 0 && pendingBreak > 0) append('\n'.repeat(pendingBreak));
    else if (pendingInline && !atLineStart) append(pendingInline);
    pendingBreak = 0;
    pendingInline = '';
    if (!open) {
      open = { start: length, end: length, kind: sectionKind(), headingPath: path };
      openPartIndex = parts.length;
    }
    append(s);
    atLineStart = s.endsWith('\n');
  };

  // Offsets are trimmed once the text is joined, at the end.
  const closeSection = () => {
    trimTrailingOutput();
    if (!open) return;
    open.end = length;
    sections.push(open);
    open = null;
  };

  const lineBreak = (count: number) => {
    trimTrailingOutput();
    pendingBreak = Math.max(pendingBreak, count);
    pendingInline = '';
  };

  const blockBoundary = () => {
    if (containerDepth > 0) {
      lineBreak(1);
      return;
    }
    closeSection();
    pendingBreak = 2;
    pendingInline = '';
  };

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        const skip =
          skipDepth > 0 ||
          SKIPPED.has(name) ||
          'hidden' in attribs ||
          attribs['aria-hidden'] === 'true' ||
          NOISE_ROLES.has(attribs.role ?? '') ||
          DISPLAY_NONE.test(attribs.style ?? '');
        const element: OpenElement = { name, skip, container: false, heading: 0 };
        stack.push(element);
        if (skip) {
          skipDepth++;
          return;
        }
        if (name === 'br') {
          if (length > 0) lineBreak(1);
          return;
        }
        if (name === 'td' || name === 'th') {
          const row = cellsInRow.length - 1;
          if (row >= 0) {
            if ((cellsInRow[row] as number) > 0 && pendingBreak === 0) pendingInline = ' | ';
            cellsInRow[row] = (cellsInRow[row] as number) + 1;
          }
          return;
        }
        if (name === 'tr') cellsInRow.push(0);
        if (!BLOCKS.has(name)) return;
        blockBoundary();
        const kind = CONTAINERS[name];
        if (kind) {
          if (containerDepth === 0) containerKind = kind;
          containerDepth++;
          element.container = true;
          if (name === 'pre') {
            preDepth++;
            preJustOpened = true;
          }
          return;
        }
        const level = HEADING.exec(name)?.[1];
        if (level && containerDepth === 0 && headingLevel === 0) {
          headingLevel = Number(level);
          element.heading = headingLevel;
        }
      },

      onclosetag(name) {
        let index = stack.length - 1;
        while (index >= 0 && (stack[index] as OpenElement).name !== name) index--;
        if (index < 0) return;
        while (stack.length > index) closeElement(stack.pop() as OpenElement);
      },

      ontext(data) {
        if (skipDepth > 0) return;
        if (preDepth > 0) {
          let text = data;
          if (preJustOpened && text.startsWith('\n')) text = text.slice(1);
          preJustOpened = false;
          if (text) write(text);
          return;
        }
        const text = data.replace(COLLAPSIBLE, ' ');
        if (text === ' ') {
          if (!atLineStart && pendingBreak === 0 && !pendingInline) pendingInline = ' ';
          return;
        }
        if (!text) return;
        const leading = text.startsWith(' ');
        const trailing = text.endsWith(' ');
        if (leading && !pendingInline) pendingInline = ' ';
        write(text.slice(leading ? 1 : 0, trailing ? -1 : undefined));
        if (trailing) pendingInline = ' ';
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );

  function closeElement(element: OpenElement): void {
    if (element.skip) {
      skipDepth--;
      return;
    }
    if (element.name === 'tr') cellsInRow.pop();
    if (!BLOCKS.has(element.name)) return;
    if (element.container) {
      containerDepth--;
      if (element.name === 'pre') preDepth--;
      if (containerDepth === 0) {
        closeSection();
        pendingBreak = 2;
        pendingInline = '';
      } else {
        lineBreak(1);
      }
      return;
    }
    if (element.heading > 0) {
      const level = element.heading;
      headingLevel = 0;
      const text = open ? parts.slice(openPartIndex).join('').replace(/\s+/g, ' ').trim() : '';
      if (text && open) {
        while (headings.length > 0 && (headings[headings.length - 1] as { level: number }).level >= level) {
          headings.pop();
        }
        headings.push({ level, text });
        path = headings.map((h) => h.text);
        const heading: Section = open;
        heading.headingPath = path;
        heading.level = level;
      }
    }
    blockBoundary();
  }

  parser.write(html);
  parser.end();
  while (stack.length > 0) closeElement(stack.pop() as OpenElement);
  closeSection();
  const text = parts.join('');
  const trimmed: Section[] = [];
  for (const section of sections) {
    const [start, end] = trimRange(text, section.start, section.end);
    if (start === end) continue;
    section.start = start;
    section.end = end;
    trimmed.push(section);
  }
  return { text, sections: trimmed, contentType: 'text/html' };
}
