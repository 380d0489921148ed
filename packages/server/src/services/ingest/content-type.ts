import { SUPPORTED_CONTENT_TYPES } from '@ragline/sdk/contracts';

const ALIASES: Record<string, string> = {
  'text/x-markdown': 'text/markdown',
  'application/xhtml+xml': 'text/html',
};

/** `text/markdown; charset=utf-8` -> `text/markdown`; unknown types come back as-is (lowercased). */
export function normalizeContentType(raw: string): string {
  const base = raw.split(';')[0]?.trim().toLowerCase() ?? '';
  return ALIASES[base] ?? base;
}

export function isSupportedContentType(type: string): boolean {
  return (SUPPORTED_CONTENT_TYPES as readonly string[]).includes(type);
}

export function isBinaryContentType(type: string): boolean {
  return type === 'application/pdf';
}
