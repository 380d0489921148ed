import type { ExtractedDocument, Section } from './extracted-document.js';
import { trimRange } from './trim-range.js';

const BLANK_LINES = /\n(?:[^\S\n]*\n)+/g;

/** Paragraph sections of `text[from, to)`: blocks separated by blank lines. */
export function paragraphSections(
  text: string,
  from = 0,
  to = text.length,
  extra: Partial<Pick<Section, 'page' | 'headingPath'>> = {},
): Section[] {
  const sections: Section[] = [];
  const push = (a: number, b: number) => {
    const [start, end] = trimRange(text, a, b);
    if (start < end) {
      const section: Section = { start, end, kind: 'paragraph', headingPath: extra.headingPath ?? [] };
      if (extra.page !== undefined) section.page = extra.page;
      sections.push(section);
    }
  };
  const region = from === 0 && to === text.length ? text : text.slice(from, to);
  let blockStart = 0;
  for (const m of region.matchAll(BLANK_LINES)) {
    push(from + blockStart, from + m.index);
    blockStart = m.index + m[0].length;
  }
  push(from + blockStart, to);
  return sections;
}

export function extractPlainText(text: string): ExtractedDocument {
  return { text, sections: paragraphSections(text), contentType: 'text/plain' };
}
