import { describe, expect, it } from 'vitest';
import { CsvParseError, parseCsv } from './csv.js';

describe('parseCsv (RFC 4180)', () => {
  it('splits fields and records, with LF or CRLF and no empty record for a trailing line break', () => {
    expect(parseCsv('a,b\r\n1,2\n3,\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', ''],
    ]);
  });

  it('keeps commas, line breaks and doubled quotes inside quoted fields', () => {
    expect(parseCsv('id,text\nq1,"Hello, ""world""\nsecond line"\r\nq2,""')).toEqual([
      ['id', 'text'],
      ['q1', 'Hello, "world"\nsecond line'],
      ['q2', ''],
    ]);
  });

  it('drops a byte order mark', () => {
    expect(parseCsv('\uFEFFid\nx')).toEqual([['id'], ['x']]);
  });

  it('rejects an unclosed quote, naming the line where it opened', () => {
    expect(() => parseCsv('id,text\nq1,"open\nstill open')).toThrow(
      new CsvParseError('quoted field is not closed', 2),
    );
  });

  it('rejects text after a closing quote and a quote inside an unquoted field', () => {
    expect(() => parseCsv('"a"b,c')).toThrow(/line 1: unexpected character after a closing quote/);
    expect(() => parseCsv('id\nab"c')).toThrow(/line 2: a quote inside an unquoted field/);
  });
});
