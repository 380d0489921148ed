import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../core/api-error.js';
import { contentTypeFromFileName, extractDocument, UnsupportedContentTypeError } from './extract-document.js';

describe('extractDocument', () => {
  it('returns text/plain unchanged with paragraph sections', async () => {
    const content = '  First paragraph\nstill first.\n\n\n   \nSecond one.\r\n\r\nThird.  \n';
    const doc = await extractDocument({ content, contentType: 'text/plain' });
    expect(doc).toMatchObject({ text: content, contentType: 'text/plain' });
    expect(doc.sections.map((s) => [s.kind, content.slice(s.start, s.end)])).toEqual([
      ['paragraph', 'First paragraph\nstill first.'],
      ['paragraph', 'Second one.'],
      ['paragraph', 'Third.'],
    ]);
    expect(doc.sections.every((s) => s.headingPath.length === 0 && s.page === undefined)).toBe(true);
  });

  it('ignores charset parameters and accepts text/x-markdown', async () => {
    const content = '# Title\n\nBody.';
    for (const contentType of ['text/markdown; charset=utf-8', 'text/x-markdown', 'TEXT/Markdown']) {
      const doc = await extractDocument({ content, contentType });
      expect(doc.contentType).toBe('text/markdown');
      expect(doc.text).toBe(content);
      expect(doc.sections.map((s) => s.headingPath)).toEqual([['Title'], ['Title']]);
    }
  });

  it('decodes bytes as UTF-8 for text types', async () => {
    const content = new TextEncoder().encode('<p>Grüße aus Köln — 東京</p>');
    const doc = await extractDocument({ content, contentType: 'text/html; charset=iso-8859-1' });
    expect(doc).toMatchObject({ text: 'Grüße aus Köln — 東京', contentType: 'text/html' });
  });

  it('throws UnsupportedContentTypeError (415) for anything else', async () => {
    for (const contentType of ['application/json', 'image/png', '', 'text/markdownx']) {
      const error = await extractDocument({ content: '{}', contentType }).catch((e: unknown) => e);
      expect(error, contentType).toBeInstanceOf(UnsupportedContentTypeError);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ code: 'UNSUPPORTED_CONTENT_TYPE', status: 415, contentType });
      expect((error as Error).message).toContain('contentType');
    }
  });
});

describe('contentTypeFromFileName', () => {
  it('maps known extensions case-insensitively and leaves the rest to the caller', () => {
    expect(contentTypeFromFileName('notes.txt')).toBe('text/plain');
    expect(contentTypeFromFileName('docs/README.md')).toBe('text/markdown');
    expect(contentTypeFromFileName('guide.markdown')).toBe('text/markdown');
    expect(contentTypeFromFileName('C:\\site\\Index.HTML')).toBe('text/html');
    expect(contentTypeFromFileName('page.htm')).toBe('text/html');
    expect(contentTypeFromFileName('paper.v2.pdf')).toBe('application/pdf');
    expect(contentTypeFromFileName('rows.jsonl')).toBeNull();
    expect(contentTypeFromFileName('image.png')).toBeNull();
    expect(contentTypeFromFileName('Makefile')).toBeNull();
    expect(contentTypeFromFileName('dir.md/file')).toBeNull();
  });
});
