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

/** `Text/Markdown; charset=utf-8` -> `text/markdown`: the media type without parameters, lowercased. */
export function mediaTypeEssence(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** The type extraction handles for a Content-Type value, or null when it handles none. */
export function extractableContentType(contentType: string): ExtractableContentType | null {
  return ALIASES[mediaTypeEssence(contentType)] ?? null;
}

/** Like `extractableContentType`, but throws UnsupportedContentTypeError instead of returning null. */
export function normalizeContentType(contentType: string): ExtractableContentType {
  const normalized = extractableContentType(contentType);
  if (!normalized) throw new UnsupportedContentTypeError(contentType);
  return normalized;
}

/** Types whose `content` travels as base64 in JSON. */
export function isBinaryContentType(type: string): boolean {
  return type === 'application/pdf';
}
