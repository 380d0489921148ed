import { describe, expect, it } from 'vitest';
import { buildPdf } from '../../../testing/tiny-pdf.js';
import { DocumentParseError } from './document-parse-error.js';
import { extractDocument } from './extract-document.js';
import { extractPdf, PDF_PAGE_SEPARATOR } from './extract-pdf.js';

describe('extractPdf', () => {
  it('extracts the text of every page with page numbers', async () => {
    const pdf = buildPdf([
      ['Ragline ingests PDF files.', 'The first page has two lines.'],
      ['Page two (with parentheses) says goodbye.'],
    ]);
    const doc = await extractPdf(pdf);
    expect(doc.contentType).toBe('application/pdf');
    const pages = doc.text.split(PDF_PAGE_SEPARATOR);
    expect(pages).toHaveLength(2);
    expect(pages[0]).toContain('Ragline ingests PDF files.');
    expect(pages[0]).toContain('The first page has two lines.');
    expect(pages[1]).toContain('Page two (with parentheses) says goodbye.');
    expect(doc.sections.map((s) => [s.page, doc.text.slice(s.start, s.end)])).toEqual([
      [1, 'Ragline ingests PDF files.\nThe first page has two lines.'],
      [2, 'Page two (with parentheses) says goodbye.'],
    ]);
  });

  it('starts a new section at a large vertical gap', async () => {
    const pdf = buildPdf([
      ['First paragraph line one.', 'line two.', { text: 'Second paragraph.', gap: 40 }],
    ]);
    const doc = await extractPdf(pdf);
    expect(doc.sections.map((s) => doc.text.slice(s.start, s.end))).toEqual([
      'First paragraph line one.\nline two.',
      'Second paragraph.',
    ]);
    expect(doc.sections.every((s) => s.page === 1)).toBe(true);
  });

  it('leaves the caller buffer usable', async () => {
    const pdf = buildPdf([['Reusable bytes.']]);
    await extractPdf(pdf);
    expect(pdf.byteLength).toBeGreaterThan(0);
    expect((await extractPdf(pdf)).text).toContain('Reusable bytes.');
  });

  it('throws DocumentParseError (422) for bytes that are not a PDF', async () => {
    const error = await extractPdf(new TextEncoder().encode('this is not a pdf at all')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DocumentParseError);
    expect(error).toMatchObject({ code: 'UNPROCESSABLE_DOCUMENT', status: 422 });
  });

  it('throws DocumentParseError for an empty file', async () => {
    await expect(extractPdf(new Uint8Array())).rejects.toBeInstanceOf(DocumentParseError);
  });

  it('is reached through extractDocument with base64 or raw bytes', async () => {
    const pdf = buildPdf([['Sent as base64.'], ['Second page.']]);
    const base64 = btoa(String.fromCharCode(...pdf)).replace(/.{76}/g, '$&\n');
    for (const content of [base64, pdf, String.fromCharCode(...pdf)]) {
      const doc = await extractDocument({ content, contentType: 'application/pdf' });
      expect(doc.sections.map((s) => [s.page, doc.text.slice(s.start, s.end)])).toEqual([
        [1, 'Sent as base64.'],
        [2, 'Second page.'],
      ]);
    }
  });

  it('rejects a PDF string that is not base64 with DocumentParseError', async () => {
    await expect(
      extractDocument({ content: 'not base64 !!', contentType: 'application/pdf' }),
    ).rejects.toBeInstanceOf(DocumentParseError);
    await expect(
      extractDocument({ content: btoa('garbage'), contentType: 'application/pdf' }),
    ).rejects.toBeInstanceOf(DocumentParseError);
  });
});
