export type CsvValue = string | number | boolean | null | undefined;

/**
 * RFC 4180: CRLF line ends, fields holding a comma, a quote, CR or LF quoted, quotes doubled. Values are
 * written exactly as given (null and undefined as empty fields), never rewritten for spreadsheets.
 */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const lines = [header, ...rows].map((row) => row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
