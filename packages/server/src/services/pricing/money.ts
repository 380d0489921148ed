/**
 * Money as integer micro-dollars. Prices arrive as decimal dollars ("3.00", "0.075", or a JSON number
 * such as 0.15) and are converted by reading their decimal digits, never by float arithmetic, so
 * "0.1" is exactly 100000 micros. More than six decimals cannot be represented and is refused.
 */

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

export class MoneyFormatError extends Error {
  override readonly name = 'MoneyFormatError';
}

/** Decimal dollars -> integer micro-dollars. Throws MoneyFormatError for anything else. */
export function dollarsToMicros(value: string | number): number {
  const text = typeof value === 'number' ? numberText(value) : value.trim().replace(/^\$/, '');
  const match = DECIMAL.exec(text);
  if (!match) throw new MoneyFormatError(`"${value}" is not a non-negative decimal amount of dollars`);
  const [, whole = '0', fraction = ''] = match;
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > 6) {
    throw new MoneyFormatError(`"${value}" has more than 6 decimals (the ledger counts micro-dollars)`);
  }
  const micros = BigInt(whole) * 1_000_000n + BigInt(significant.padEnd(6, '0') || '0');
  if (micros > BigInt(Number.MAX_SAFE_INTEGER)) throw new MoneyFormatError(`"${value}" is too large`);
  return Number(micros);
}

/** Integer micro-dollars -> "12.345678" (always six decimals; exact). */
export function microsToDollars(micros: number): string {
  assertMicros(micros);
  const sign = micros < 0 ? '-' : '';
  const abs = BigInt(Math.abs(micros));
  const whole = abs / 1_000_000n;
  const fraction = (abs % 1_000_000n).toString().padStart(6, '0');
  return `${sign}${whole}.${fraction}`;
}

export function assertMicros(micros: number): void {
  if (!Number.isSafeInteger(micros))
    throw new RangeError(`${micros} is not an integer amount of micro-dollars`);
}

/** The shortest decimal text of a JSON number, without exponent (1e-7 -> "0.0000001"). */
function numberText(value: number): string {
  if (!Number.isFinite(value) || value < 0) return String(value);
  const text = String(value);
  if (!/e/i.test(text)) return text;
  // Exponent form only for very small or very large numbers; toFixed(20) is exact enough to be refused or kept.
  return value.toFixed(20).replace(/\.?0+$/, '');
}
