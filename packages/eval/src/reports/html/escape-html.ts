/**
 * Text safe inside an HTML element or a quoted attribute value (also in inline SVG): the five markup
 * characters become entities, so a case id, an output or an error message can never open a tag, close an
 * attribute or start a script.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
