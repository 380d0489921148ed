import { getDocumentProxy } from 'unpdf';
import { DocumentParseError } from './document-parse-error.js';
import { paragraphSections } from './extract-plain-text.js';
import type { ExtractedDocument, Section } from './extracted-document.js';

/** Put between the text of consecutive pages (a form feed on its own line, as pdftotext does). */
export const PDF_PAGE_SEPARATOR = '\n\f\n';

interface PositionedText {
  str: string;
  hasEOL: boolean;
  transform: number[];
  height: number;
}

/** Vertical gap, in line heights, above which a new line starts a new paragraph. */
const PARAGRAPH_GAP = 1.8;

function pageText(items: PositionedText[]): string {
  let out = '';
  let lastY: number | null = null;
  let lastHeight = 0;
  let lineEnded = true;
  for (const item of items) {
    const y = item.transform[5] ?? 0;
    const height = item.height || Math.abs(item.transform[3] ?? 0);
    if (item.str && lastY !== null) {
      const lineHeight = Math.max(height, lastHeight, 1);
      const drop = lastY - y;
      if (!lineEnded && Math.abs(drop) > lineHeight / 2) {
        out += '\n';
        lineEnded = true;
      }
      if (lineEnded && drop > lineHeight * PARAGRAPH_GAP) out += '\n';
    }
    out += item.str;
    if (item.str) {
      lastY = y;
      lastHeight = height;
      lineEnded = false;
    }
    if (item.hasEOL) {
      out += '\n';
      lineEnded = true;
    }
  }
  return out;
}

/**
 * The text of each page of a PDF joined with PDF_PAGE_SEPARATOR; sections are the paragraphs of
 * each page (blocks split at larger vertical gaps), carrying their 1-based page number. Uses pdf.js
 * through unpdf, which runs without a worker in Node and in Workers.
 */
export async function extractPdf(bytes: Uint8Array): Promise<ExtractedDocument> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>> | undefined;
  try {
    // pdf.js may take ownership of the buffer, so it gets a copy.
    pdf = await getDocumentProxy(bytes.slice(), { verbosity: 0 });
    const pages: string[] = [];
    for (let number = 1; number <= pdf.numPages; number++) {
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      const items: PositionedText[] = [];
      for (const item of content.items) if ('str' in item) items.push(item);
      pages.push(pageText(items));
      page.cleanup();
    }
    const text = pages.join(PDF_PAGE_SEPARATOR);
    const sections: Section[] = [];
    let offset = 0;
    pages.forEach((page, index) => {
      sections.push(...paragraphSections(text, offset, offset + page.length, { page: index + 1 }));
      offset += page.length + PDF_PAGE_SEPARATOR.length;
    });
    return { text, sections, contentType: 'application/pdf' };
  } catch (error) {
    if (error instanceof DocumentParseError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DocumentParseError(`content is not a readable PDF: ${reason}`, { cause: error });
  } finally {
    await pdf?.destroy();
  }
}
