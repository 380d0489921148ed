import { escapeHtml } from './escape-html.js';

export const TRUNCATE_AT = 140;

/** Short one-line text as it is; longer or multi-line text previewed, with the full text in a <details>. */
export function renderTextCell(text: string): string {
  if (text === '') return '<span class="none">-</span>';
  if (text.length <= TRUNCATE_AT && !/[\r\n]/.test(text))
    return `<span class="text">${escapeHtml(text)}</span>`;
  // Whitespace collapsed, so indented JSON previews on one line.
  const flat = text.replace(/\s+/g, ' ').trim();
  const preview = flat.length > TRUNCATE_AT ? `${flat.slice(0, TRUNCATE_AT)}…` : flat;
  return `<details class="full-text"><summary>${escapeHtml(preview)}</summary><pre>${escapeHtml(text)}</pre></details>`;
}
