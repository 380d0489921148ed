import { describe, expect, it } from 'vitest';
import { contains, equals, isValidJson, jsonFieldEquals, matchesRegex } from './deterministic.js';

describe('equals', () => {
  it('compares exactly unless asked to trim', () => {
    expect(equals('Paris', 'Paris')).toBe(true);
    expect(equals(' Paris\n', 'Paris')).toBe(false);
    expect(equals(' Paris\n', 'Paris', { trim: true })).toBe(true);
    expect(equals('paris', 'Paris', { trim: true })).toBe(false);
  });
});

describe('contains', () => {
  it('requires all needles by default and any needle in any mode', () => {
    expect(contains('red green blue', ['red', 'blue'])).toBe(true);
    expect(contains('red green blue', ['red', 'pink'])).toBe(false);
    expect(contains('red green blue', ['red', 'pink'], { mode: 'any' })).toBe(true);
    expect(contains('red green blue', ['pink', 'teal'], { mode: 'any' })).toBe(false);
  });

  it('folds case only when asked', () => {
    expect(contains('The Eiffel Tower', 'eiffel')).toBe(false);
    expect(contains('The Eiffel Tower', 'eiffel', { caseInsensitive: true })).toBe(true);
    expect(contains('The Eiffel Tower', ['TOWER', 'the'], { caseInsensitive: true })).toBe(true);
  });

  it('treats an empty needle list as vacuous for all and unsatisfiable for any', () => {
    expect(contains('x', [])).toBe(true);
    expect(contains('x', [], { mode: 'any' })).toBe(false);
  });
});

describe('matchesRegex', () => {
  it('matches anywhere and honours flags', () => {
    expect(matchesRegex('Order #123 shipped', '#\\d+')).toBe(true);
    expect(matchesRegex('Order #123 shipped', '^#\\d+$')).toBe(false);
    expect(matchesRegex('HELLO', 'hello')).toBe(false);
    expect(matchesRegex('HELLO', 'hello', 'i')).toBe(true);
  });

  it('gives the same answer on repeated calls with the global flag', () => {
    expect([1, 2, 3].map(() => matchesRegex('abc', 'b', 'g'))).toEqual([true, true, true]);
  });

  it('throws on an invalid pattern', () => {
    expect(() => matchesRegex('x', '(')).toThrow(SyntaxError);
  });
});

describe('isValidJson', () => {
  it('accepts JSON and rejects everything else', () => {
    expect(isValidJson('{"a": [1, 2]}')).toBe(true);
    expect(isValidJson('"text"')).toBe(true);
    expect(isValidJson("{'a': 1}")).toBe(false);
    expect(isValidJson('{"a": 1,}')).toBe(false);
    expect(isValidJson('')).toBe(false);
  });
});

describe('jsonFieldEquals', () => {
  const doc = JSON.stringify({
    answer: { city: 'Paris', items: [{ id: 'x1' }, { id: 'x2' }], tags: ['a', 'b'] },
  });

  it('follows dot paths through objects and array indices', () => {
    expect(jsonFieldEquals(doc, 'answer.city', 'Paris')).toBe(true);
    expect(jsonFieldEquals(doc, 'answer.city', 'Lyon')).toBe(false);
    expect(jsonFieldEquals(doc, 'answer.items.1.id', 'x2')).toBe(true);
    expect(jsonFieldEquals(doc, 'answer.items.2.id', 'x2')).toBe(false);
  });

  it('compares structures deeply, object keys in any order, arrays in order', () => {
    expect(jsonFieldEquals('{"a": {"x": 1, "y": [1, 2]}}', 'a', { y: [1, 2], x: 1 })).toBe(true);
    expect(jsonFieldEquals('{"a": {"x": 1, "y": [1, 2]}}', 'a', { y: [2, 1], x: 1 })).toBe(false);
    expect(jsonFieldEquals('{"a": {"x": 1}}', 'a', { x: 1, z: undefined })).toBe(false);
    expect(jsonFieldEquals(doc, 'answer.tags', ['a', 'b'])).toBe(true);
    expect(jsonFieldEquals('{"n": 1}', 'n', '1')).toBe(false);
  });

  it('uses the whole document for the empty path', () => {
    expect(jsonFieldEquals('[1, null]', '', [1, null])).toBe(true);
  });

  it('fails on invalid JSON, missing paths and inherited properties', () => {
    expect(jsonFieldEquals('{bad', 'a', 1)).toBe(false);
    expect(jsonFieldEquals('{"a": 1}', 'b', undefined)).toBe(false);
    expect(jsonFieldEquals('{"a": 1}', 'a.b', undefined)).toBe(false);
    expect(jsonFieldEquals('{"a": {}}', 'a.toString', undefined)).toBe(false);
    expect(jsonFieldEquals('{"a": [1]}', 'a.length', 1)).toBe(false);
  });
});
