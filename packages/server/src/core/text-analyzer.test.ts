import { describe, expect, it } from 'vitest';
import { analyze, foldText } from './text-analyzer.js';

describe('analyze', () => {
  it('lowercases, folds accents and splits on non letter/digit characters', () => {
    expect(foldText('Crème BRÛLÉE Straße Æther')).toBe('creme brulee strasse aether');
    expect(analyze('Crème-Brûlée!!')).toEqual(['creme', 'brule']);
  });

  it('drops English stop words', () => {
    expect(analyze('The cat is on the mat')).toEqual(['cat', 'mat']);
    expect(analyze('to be or not to be')).toEqual([]);
  });

  it('Porter-stems so inflections of a word meet', () => {
    expect(analyze('running runs run')).toEqual(['run', 'run', 'run']);
    expect(analyze('connection connected connecting')).toEqual(['connect', 'connect', 'connect']);
    expect(analyze('ponies caresses')).toEqual(['poni', 'caress']);
  });

  it('keeps digits and mixed tokens unstemmed, duplicates and order preserved', () => {
    expect(analyze('HTTP/2 on x86_64, HTTP 2024-11')).toEqual([
      'http',
      '2',
      'x86',
      '64',
      'http',
      '2024',
      '11',
    ]);
  });

  it('handles letters of other scripts as tokens and returns [] for empty text', () => {
    expect(analyze('Привет мир 東京')).toEqual(['привет', 'мир', '東京']);
    expect(analyze('  ... ')).toEqual([]);
  });
});
