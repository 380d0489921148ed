import { describe, expect, it } from 'vitest';
import { countTokens } from './token-count.js';

// Reference counts from OpenAI's cl100k_base tokenizer (the tiktoken cookbook examples and
// sentences made of words that are single tokens in that vocabulary).
const REFERENCE: [string, number][] = [
  ['Hello, world!', 4],
  ['The quick brown fox jumps over the lazy dog.', 10],
  ['tiktoken is great!', 6],
  ['antidisestablishmentarianism', 6],
  ['2 + 2 = 4', 7],
  ['お誕生日おめでとう', 9],
  ['I have a dream that one day this nation will rise up and live out the true meaning of its creed.', 22],
  [
    'Four score and seven years ago our fathers brought forth on this continent, a new nation, conceived in Liberty, and dedicated to the proposition that all men are created equal.',
    34,
  ],
  ['def add(a, b):\n    return a + b\n', 12],
];

describe('countTokens', () => {
  it('stays within 15% of cl100k counts (2 tokens for very short strings)', () => {
    for (const [text, expected] of REFERENCE) {
      const tolerance = Math.max(2, Math.ceil(expected * 0.15));
      expect(Math.abs(countTokens(text) - expected), text).toBeLessThanOrEqual(tolerance);
    }
  });

  it('is within 10% of cl100k over the whole reference set', () => {
    const expected = REFERENCE.reduce((sum, [, n]) => sum + n, 0);
    const actual = REFERENCE.reduce((sum, [text]) => sum + countTokens(text), 0);
    expect(Math.abs(actual - expected) / expected).toBeLessThan(0.1);
  });

  it('is exact on plain common-word sentences', () => {
    expect(countTokens('Hello, world!')).toBe(4);
    expect(countTokens('The quick brown fox jumps over the lazy dog.')).toBe(10);
    expect(countTokens('2 + 2 = 4')).toBe(7);
  });

  it('counts nothing for the empty string and something for any non-empty text', () => {
    expect(countTokens('')).toBe(0);
    for (const text of [' ', '\n', 'a', '.', '7', '語', '🙂', '\u0301', '\ud800']) {
      expect(countTokens(text), JSON.stringify(text)).toBeGreaterThan(0);
    }
  });

  it('grows with length: long words split, digits go in threes, CJK per character', () => {
    expect(countTokens('cat')).toBe(1);
    expect(countTokens('a'.repeat(40))).toBeGreaterThan(countTokens('a'.repeat(12)));
    expect(countTokens('getDocumentProxy')).toBe(3);
    expect(countTokens('123456789')).toBe(3);
    expect(countTokens('中文文本')).toBe(4);
  });

  it('is close to additive over whitespace boundaries', () => {
    const parts = ['First paragraph, with words.', 'Second one: 42 items!', '```js\nconst x = 1;\n```'];
    const whole = countTokens(parts.join('\n\n'));
    const sum = parts.reduce((n, p) => n + countTokens(p), 0) + 2 * countTokens('\n\n');
    expect(whole).toBeLessThanOrEqual(sum);
    expect(whole).toBeGreaterThanOrEqual(sum - 2);
  });

  it('is deterministic and fast on megabytes of text', () => {
    const text = 'Ragline splits documents into chunks; 2024-11-05 "quoted" テキスト. '.repeat(60_000);
    const started = performance.now();
    const first = countTokens(text);
    const elapsed = performance.now() - started;
    expect(countTokens(text)).toBe(first);
    expect(first).toBeGreaterThan(text.length / 8);
    expect(elapsed).toBeLessThan(2000);
  });
});
