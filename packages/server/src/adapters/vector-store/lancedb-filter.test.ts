import { describe, expect, it } from 'vitest';
import {
  fieldOfColumn,
  type MetadataColumn,
  metadataColumnName,
  sqlLiteral,
  toLanceWhere,
} from './lancedb-filter.js';

describe('lancedb filter translation', () => {
  it('maps field names to distinct SQL-safe columns and back', () => {
    for (const field of ['year', 'Year', "author's", 'a b', 'm_x', 'x']) {
      const column = metadataColumnName(field);
      expect(column).toMatch(/^[A-Za-z0-9_]+$/);
      expect(fieldOfColumn(column)).toBe(field);
    }
    expect(metadataColumnName('a b')).not.toBe(metadataColumnName('a_b'));
    expect(fieldOfColumn('document_id')).toBeUndefined();
  });

  it('writes literals that cannot break out of their quotes', () => {
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral(true)).toBe('TRUE');
    expect(sqlLiteral(2020)).toBe('2020.0');
    expect(sqlLiteral(-0.5)).toBe('-0.5');
    expect(sqlLiteral(1e21)).toBe('1e+21');
    expect(() => sqlLiteral(Number.NaN)).toThrow(RangeError);
  });

  it('keeps every leaf two-valued so not/ne include chunks missing the field', () => {
    const columns = new Map<string, MetadataColumn>([
      ['lang', { field: 'lang', column: 'm_lang', type: 'string' }],
    ]);
    expect(toLanceWhere({ op: 'not', filter: { op: 'eq', field: 'lang', value: "x'y" } }, columns)).toBe(
      "(NOT (`m_lang` IS NOT NULL AND `m_lang` = 'x''y'))",
    );
    expect(toLanceWhere({ op: 'ne', field: 'lang', value: 'en' }, columns)).toBe(
      "(`m_lang` IS NULL OR `m_lang` <> 'en')",
    );
    expect(toLanceWhere({ op: 'in', field: 'lang', values: [1, true] }, columns)).toBe('FALSE');
    expect(toLanceWhere({ op: 'ne', field: 'missing', value: 1 }, columns)).toBe('TRUE');
  });
});
