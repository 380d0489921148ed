import { decodeBase64 } from '../../../core/base64.js';
import { DocumentParseError } from './document-parse-error.js';
import { extractHtml } from './extract-html.js';
import { extractMarkdown } from './extract-markdown.js';
import { extractPdf } from './extract-pdf.js';
import { extractPlainText } from './extract-plain-text.js';
import type { ExtractedDocument } from './extracted-document.js';
import { normalizeContentType } from './normalize-content-type.js';

export { contentTypeFromFileName } from './content-type-from-file-name.js';
export { DocumentParseError } from './document-parse-error.js';
export type { ExtractedDocument, Section, SectionKind } from './extracted-document.js';
export { UnsupportedContentTypeError } from './unsupported-content-type-error.js';

export interface ExtractInput {
  /** Text, or bytes (decoded as UTF-8 for text types). A PDF given as a string is base64. */
  content: string | Uint8Array;
  /** A MIME type; parameters such as charset are ignored. */
  contentType: string;
}

function pdfBytes(content: string | Uint8Array): Uint8Array {
  if (typeof content !== 'string') return content;
  // Tolerate a binary string holding the raw file.
  if (content.startsWith('%PDF-')) return Uint8Array.from(content, (ch) => ch.charCodeAt(0) & 0xff);
  const bytes = decodeBase64(content);
  if (!bytes) throw new DocumentParseError('content of an application/pdf document must be base64');
  return bytes;
}

/**
 * Extracts the plain text of a document and its structural sections, with offsets into that text.
 * Throws UnsupportedContentTypeError (415) for other types and DocumentParseError (422) for a PDF
 * that cannot be read.
 */
export async function extractDocument(input: ExtractInput): Promise<ExtractedDocument> {
  const type = normalizeContentType(input.contentType);
  if (type === 'application/pdf') return extractPdf(pdfBytes(input.content));
  const text = typeof input.content === 'string' ? input.content : new TextDecoder().decode(input.content);
  if (type === 'text/markdown') return extractMarkdown(text);
  if (type === 'text/html') return extractHtml(text);
  return extractPlainText(text);
}
