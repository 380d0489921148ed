import { describe, expect, it } from 'vitest';
import { instantSchema, priceBookInputSchema } from './price-book-input.js';

/** `entries[1].input: message` lines for a refused book. */
function issues(value: unknown): string[] {
  const result = priceBookInputSchema.safeParse(value);
  if (result.success) throw new Error('expected the book to be refused');
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

const fields = (value: unknown) => issues(value).map((line) => line.split(':')[0]);

describe('priceBookInputSchema', () => {
  it('converts dollar strings and numbers to micro-dollars exactly', () => {
    const book = priceBookInputSchema.parse({
      entries: [
        { model: 'gpt-4o', input: '2.50', cachedInput: '1.25', output: 10, reasoning: '$12.000001' },
        // as floats 0.1 + 0.2 != 0.3; parsed as decimals they are exact
        { model: 'small', input: 0.1, output: 0.3 },
        { model: 'embed', input: '0.02', output: 0 },
        { target: 'vllm-a', gpuHour: '2.40', gpus: 8 },
        { target: 'vllm-b', model: 'llama', gpuHour: 0.000001 },
      ],
    });
    expect(book.entries).toEqual([
      {
        model: 'gpt-4o',
        inputPerMillionMicros: 2_500_000,
        cachedInputPerMillionMicros: 1_250_000,
        outputPerMillionMicros: 10_000_000,
        reasoningPerMillionMicros: 12_000_001,
      },
      { model: 'small', inputPerMillionMicros: 100_000, outputPerMillionMicros: 300_000 },
      { model: 'embed', inputPerMillionMicros: 20_000, outputPerMillionMicros: 0 },
      { target: 'vllm-a', gpuHourMicros: 2_400_000, gpus: 8 },
      { target: 'vllm-b', model: 'llama', gpuHourMicros: 1 },
    ]);
    // absent prices are absent keys, not undefined values (stored JSON compares by content)
    expect(Object.keys(book.entries[1] ?? {})).toEqual([
      'model',
      'inputPerMillionMicros',
      'outputPerMillionMicros',
    ]);
    expect(book.effectiveFrom).toBeUndefined();
    expect(book.note).toBeUndefined();
  });

  it('refuses amounts micro-dollars cannot hold, naming the field', () => {
    expect(
      issues({
        entries: [
          { model: 'a', input: '0.0000001', output: 1 },
          { model: 'b', input: 1, output: -2 },
          { model: 'c', input: '1,50', output: 1 },
          { model: 'd', input: 1, output: 1, reasoning: '99999999999999999' },
          { target: 'e', gpuHour: 1e-7 },
          { model: 'f', input: true, output: 1 },
        ],
      }),
    ).toEqual([
      'entries.0.input: "0.0000001" has more than 6 decimals (the ledger counts micro-dollars)',
      'entries.1.output: "-2" is not a non-negative decimal amount of dollars',
      'entries.2.input: "1,50" is not a non-negative decimal amount of dollars',
      'entries.3.reasoning: "99999999999999999" is too large',
      'entries.4.gpuHour: "1e-7" has more than 6 decimals (the ledger counts micro-dollars)',
      expect.stringMatching(/^entries\.5\.input: Invalid input/),
    ]);
  });

  it('needs a target or a model, and token prices or gpuHour but not both', () => {
    expect(
      issues({
        entries: [
          { input: 1, output: 1 },
          { model: 'no-prices' },
          { model: 'both', input: 1, output: 1, gpuHour: 2 },
          { model: 'no-output', input: 1 },
          { model: 'no-input', output: 1, cachedInput: 1 },
          { model: 'gpus-without-hours', input: 1, output: 1, gpus: 2 },
        ],
      }),
    ).toEqual([
      'entries.0.target: an entry needs a target or a model',
      'entries.1.input: an entry needs token prices (input and output) or gpuHour',
      'entries.2.input: price an entry by tokens or by gpuHour, not both',
      'entries.2.output: price an entry by tokens or by gpuHour, not both',
      'entries.3.output: required with token prices (0 for embedding models)',
      'entries.4.input: required with token prices',
      'entries.5.gpus: only with gpuHour',
    ]);
  });

  it('refuses unknown keys, bad gpus and a missing entry list, naming each', () => {
    expect(fields({ entries: [{ model: 'a', input: 1, output: 1, cached_input: 1 }] })).toEqual([
      'entries.0',
    ]);
    expect(issues({ entries: [{ model: 'a', input: 1, output: 1, cached_input: 1 }] })[0]).toMatch(
      /cached_input/,
    );
    expect(fields({ entries: [{ target: 't', gpuHour: 1, gpus: 0 }] })).toEqual(['entries.0.gpus']);
    expect(fields({ entries: [{ target: 't', gpuHour: 1, gpus: 1.5 }] })).toEqual(['entries.0.gpus']);
    expect(fields({ entries: [{ target: '', input: 1, output: 1 }] })).toEqual(['entries.0.target']);
    expect(fields({})).toEqual(['entries']);
    expect(fields({ entries: [], effectiveFrom: 'next tuesday' })).toEqual(['effectiveFrom']);
    expect(fields({ entries: [], extra: 1 })).toEqual(['']);
  });

  it('refuses a second price for the same target or model in one version', () => {
    expect(
      issues({
        entries: [
          { model: 'gpt-4o', input: 1, output: 1 },
          { target: 'vllm-a', gpuHour: 1 },
          { target: 'vllm-a', model: 'llama', input: 1, output: 1 },
          { model: 'gpt-4o', input: 2, output: 2 },
          // a target entry and a model entry never compete: the target wins for its own calls
          { target: 'gpt-4o', input: 2, output: 2 },
        ],
      }),
    ).toEqual([
      'entries.2.target: target "vllm-a" is already priced by entry 1',
      'entries.3.model: model "gpt-4o" is already priced by entry 0',
    ]);
  });

  it('normalises effectiveFrom to an ISO instant; a bare date is midnight UTC', () => {
    const at = (effectiveFrom: string) =>
      priceBookInputSchema.parse({ effectiveFrom, entries: [] }).effectiveFrom;
    expect(at('2026-05-01')).toBe('2026-05-01T00:00:00.000Z');
    expect(at('2026-05-01T12:30:00+02:00')).toBe('2026-05-01T10:30:00.000Z');
    expect(at('2026-05-01T12:30:00.5Z')).toBe('2026-05-01T12:30:00.500Z');
    expect(instantSchema.safeParse('2026-02-30').success).toBe(false);
  });
});
