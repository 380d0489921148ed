import { describe, expect, it } from 'vitest';
import { extractMarkdown } from './extract-markdown.js';
import type { ExtractedDocument } from './extracted-document.js';

function blocks(doc: ExtractedDocument) {
  return doc.sections.map((s) => ({
    kind: s.kind,
    path: s.headingPath,
    text: doc.text.slice(s.start, s.end),
  }));
}

describe('extractMarkdown', () => {
  it('keeps the source as the text and tracks nested heading paths', () => {
    const source = [
      'Preamble before any heading.',
      '# Guide',
      'Intro.',
      '## Install',
      'Steps here.',
      '### From npm',
      'npm text.',
      '## Usage',
      'Use it.',
      '# Reference',
      'Ref text.',
    ].join('\n\n');
    const doc = extractMarkdown(source);
    expect(doc.text).toBe(source);
    expect(doc.contentType).toBe('text/markdown');
    expect(blocks(doc)).toEqual([
      { kind: 'paragraph', path: [], text: 'Preamble before any heading.' },
      { kind: 'heading', path: ['Guide'], text: '# Guide' },
      { kind: 'paragraph', path: ['Guide'], text: 'Intro.' },
      { kind: 'heading', path: ['Guide', 'Install'], text: '## Install' },
      { kind: 'paragraph', path: ['Guide', 'Install'], text: 'Steps here.' },
      { kind: 'heading', path: ['Guide', 'Install', 'From npm'], text: '### From npm' },
      { kind: 'paragraph', path: ['Guide', 'Install', 'From npm'], text: 'npm text.' },
      { kind: 'heading', path: ['Guide', 'Usage'], text: '## Usage' },
      { kind: 'paragraph', path: ['Guide', 'Usage'], text: 'Use it.' },
      { kind: 'heading', path: ['Reference'], text: '# Reference' },
      { kind: 'paragraph', path: ['Reference'], text: 'Ref text.' },
    ]);
    expect(doc.sections.filter((s) => s.kind === 'heading').map((s) => s.level)).toEqual([1, 2, 3, 2, 1]);
  });

  it('recognizes setext headings and skipped levels', () => {
    const source =
      'Title\n=====\n\nText.\n\nSub *title*\n---\n\nMore.\n\n#### Deep\n\nDeepest.\n\nOther\n-----\n\nEnd.';
    const doc = extractMarkdown(source);
    expect(blocks(doc).filter((b) => b.kind !== 'heading')).toEqual([
      { kind: 'paragraph', path: ['Title'], text: 'Text.' },
      { kind: 'paragraph', path: ['Title', 'Sub title'], text: 'More.' },
      { kind: 'paragraph', path: ['Title', 'Sub title', 'Deep'], text: 'Deepest.' },
      { kind: 'paragraph', path: ['Title', 'Other'], text: 'End.' },
    ]);
    expect(blocks(doc)[0]).toEqual({ kind: 'heading', path: ['Title'], text: 'Title\n=====' });
  });

  it('gives lists, fenced and indented code, tables, quotes and html their kinds', () => {
    const source = [
      '- one\n- two\n\n  continued',
      '```ts\nconst a = 1;\n\nconst b = 2;\n```',
      '    indented code',
      '| a | b |\n|---|---|\n| 1 | 2 |',
      '> quoted\n> text',
      '<div>raw html</div>',
      '<!-- a comment -->',
      '---',
      '[ref]: https://example.com',
      'Last.',
    ].join('\n\n');
    const doc = extractMarkdown(source);
    expect(blocks(doc).map((b) => [b.kind, b.text])).toEqual([
      ['list', '- one\n- two\n\n  continued'],
      ['code', '```ts\nconst a = 1;\n\nconst b = 2;\n```'],
      ['code', 'indented code'],
      ['table', '| a | b |\n|---|---|\n| 1 | 2 |'],
      ['quote', '> quoted\n> text'],
      ['other', '<div>raw html</div>'],
      ['paragraph', 'Last.'],
    ]);
  });

  it('uses the plain text of headings (links, emphasis, code, entities)', () => {
    const doc = extractMarkdown('# The [`chunk`](https://x.dev) **API** &amp; more\n\nBody.');
    expect(doc.sections[1]?.headingPath).toEqual(['The chunk API & more']);
  });

  it('maps offsets back to a CRLF source', () => {
    const source = '# Title\r\n\r\nFirst line\r\nsecond line\r\n\r\n## Next\r\n\r\n- a\r\n- b\r\n';
    const doc = extractMarkdown(source);
    expect(doc.text).toBe(source);
    expect(blocks(doc)).toEqual([
      { kind: 'heading', path: ['Title'], text: '# Title' },
      { kind: 'paragraph', path: ['Title'], text: 'First line\r\nsecond line' },
      { kind: 'heading', path: ['Title', 'Next'], text: '## Next' },
      { kind: 'list', path: ['Title', 'Next'], text: '- a\r\n- b' },
    ]);
  });

  it('skips YAML front matter but keeps a leading thematic break document intact', () => {
    const withFrontMatter = extractMarkdown('---\ntitle: Doc\ntags: [a]\n---\n# Heading\n\nText.');
    expect(blocks(withFrontMatter).map((b) => b.text)).toEqual(['# Heading', 'Text.']);
    const withRule = extractMarkdown('---\n\nJust text after a rule.');
    expect(blocks(withRule).map((b) => b.text)).toEqual(['Just text after a rule.']);
  });

  it('returns no sections for a blank document', () => {
    expect(extractMarkdown('  \n\n \t\n').sections).toEqual([]);
  });
});
