import { describe, expect, it } from 'vitest';
import { dollarsToMicros, MoneyFormatError, microsToDollars } from './money.js';

describe('dollarsToMicros', () => {
  it('reads decimal strings and numbers exactly', () => {
    expect(dollarsToMicros('3.00')).toBe(3_000_000);
    expect(dollarsToMicros('0.075')).toBe(75_000);
    expect(dollarsToMicros('$1.25')).toBe(1_250_000);
    expect(dollarsToMicros(0.1)).toBe(100_000);
    expect(dollarsToMicros(0.3)).toBe(300_000); // 0.1 + 0.2 would be 300000.00000000006 in floats
    expect(dollarsToMicros(15)).toBe(15_000_000);
    expect(dollarsToMicros('0.000001')).toBe(1);
    expect(dollarsToMicros('2.5000000')).toBe(2_500_000);
  });

  it('refuses what micro-dollars cannot hold', () => {
    expect(() => dollarsToMicros('0.0000001')).toThrow(MoneyFormatError);
    expect(() => dollarsToMicros(1e-7)).toThrow(/more than 6 decimals/);
    expect(() => dollarsToMicros('-1')).toThrow(MoneyFormatError);
    expect(() => dollarsToMicros('1,50')).toThrow(MoneyFormatError);
    expect(() => dollarsToMicros(Number.NaN)).toThrow(MoneyFormatError);
    expect(() => dollarsToMicros('99999999999999999')).toThrow(/too large/);
  });
});

describe('microsToDollars', () => {
  it('prints six decimals exactly', () => {
    expect(microsToDollars(1)).toBe('0.000001');
    expect(microsToDollars(3_000_000)).toBe('3.000000');
    expect(microsToDollars(123_456_789)).toBe('123.456789');
    expect(microsToDollars(-5)).toBe('-0.000005');
    expect(() => microsToDollars(0.5)).toThrow(RangeError);
  });
});
