import { UnsupportedContentTypeError } from './unsupported-content-type-error.js';

export type ExtractableContentType = 'text/plain' | 'text/markdown' | 'text/html' | 'application/pdf';

const ALIASES: Record<string, ExtractableContentType> = {
  'text/plain': 'text/plain',
  'text/markdown': 'text/markdown',
  'text/x-markdown': 'text/markdown',
  'text/html': 'text/html',
  'application/xhtml+xml': 'text/html',
  'application/pdf': 'application/pdf',
  'application/x-pdf': 'application/pdf',
};

/** Maps a Content-Type value (parameters such as charset ignored) to the type extraction handles. */
export function normalizeContentType(contentType: string): ExtractableContentType {
  const essence = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const normalized = ALIASES[essence];
  if (!normalized) throw new UnsupportedContentTypeError(contentType);
  return normalized;
}
