/**
 * Text safe inside an XML 1.0 attribute value or element: the five markup characters become entities,
 * tab/newline/carriage return become character references (attribute normalisation would turn them into
 * spaces), and characters XML 1.0 cannot carry at all (other control characters, lone surrogates, U+FFFE,
 * U+FFFF) become U+FFFD, so a hostile case id cannot break or inject into the document.
 */
export function escapeXml(text: string): string {
  let result = '';
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    const char = text[i] as string;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        result += text.slice(i, i + 2);
        i += 1;
      } else {
        result += '\uFFFD';
      }
      continue;
    }
    result += ESCAPES[char] ?? (isForbidden(code) ? '\uFFFD' : char);
  }
  return result;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

function isForbidden(code: number): boolean {
  return code < 0x20 || (code >= 0xdc00 && code <= 0xdfff) || code === 0xfffe || code === 0xffff;
}
