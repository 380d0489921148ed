/** Thrown on malformed CSV; `line` is 1-based. */
export class CsvParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvParseError';
  }
}

/**
 * Parses RFC 4180 CSV into rows of fields: fields separated by commas, records by CRLF or LF, a field in
 * double quotes may hold commas, line breaks and doubled quotes (`""` is one `"`). A trailing line break
 * does not start an empty record.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let atFieldStart = true;
  const endRecord = () => {
    row.push(field);
    rows.push(row);
    row = [];
    field = '';
    atFieldStart = true;
  };
  while (i < text.length) {
    const char = text[i];
    if (atFieldStart && char === '"') {
      const openedAt = line;
      i += 1;
      for (;;) {
        if (i >= text.length) throw new CsvParseError('quoted field is not closed', openedAt);
        const inner = text[i];
        if (inner === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        if (inner === '\n') line += 1;
        field += inner;
        i += 1;
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw new CsvParseError('unexpected character after a closing quote', line);
      }
      atFieldStart = false;
      continue;
    }
    atFieldStart = false;
    if (char === ',') {
      row.push(field);
      field = '';
      atFieldStart = true;
      i += 1;
    } else if (char === '\r' && text[i + 1] === '\n') {
      endRecord();
      line += 1;
      i += 2;
    } else if (char === '\n') {
      endRecord();
      line += 1;
      i += 1;
    } else if (char === '"') {
      throw new CsvParseError('a quote inside an unquoted field', line);
    } else {
      field += char;
      i += 1;
    }
  }
  if (!atFieldStart || row.length > 0) endRecord();
  return rows;
}
