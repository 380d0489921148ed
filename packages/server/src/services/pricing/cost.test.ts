import { describe, expect, it } from 'vitest';
import { costOf, maxTokenCostMicros } from './cost.js';

const tokens = (input: number, output: number, cached = 0, reasoning = 0) => ({
  inputTokens: input,
  cachedInputTokens: cached,
  outputTokens: output,
  reasoningTokens: reasoning,
});

// gpt-4o-mini-like: $0.15 / M input, $0.075 / M cached input, $0.60 / M output.
const mini = {
  inputPerMillionMicros: 150_000,
  cachedInputPerMillionMicros: 75_000,
  outputPerMillionMicros: 600_000,
};

describe('costOf', () => {
  it('prices input, cached input, output and reasoning tokens at their own rates', () => {
    // 1,000,000 input of which 400,000 cached: 0.6 x 0.15 + 0.4 x 0.075 = $0.12; 500,000 output: $0.30.
    expect(costOf(tokens(1_000_000, 500_000, 400_000), mini)).toEqual({
      costMicros: 420_000,
      basis: 'tokens',
    });
    const o1 = {
      inputPerMillionMicros: 15_000_000,
      outputPerMillionMicros: 60_000_000,
      reasoningPerMillionMicros: 60_000_000,
    };
    // 1,000 in = 15,000 micros; 2,000 out of which 1,500 reasoning = 120,000 micros.
    expect(costOf(tokens(1_000, 2_000, 0, 1_500), o1).costMicros).toBe(135_000);
  });

  it('bills cached tokens at the input rate when the entry has no cached rate', () => {
    const entry = { inputPerMillionMicros: 3_000_000, outputPerMillionMicros: 15_000_000 };
    expect(costOf(tokens(1_000, 0, 1_000), entry).costMicros).toBe(
      costOf(tokens(1_000, 0), entry).costMicros,
    );
  });

  it('rounds once per record, half up', () => {
    // 1 token at $0.15 / M = 0.15 micros -> 0; 3 tokens = 0.45 -> 0; 4 tokens = 0.6 -> 1; 10 tokens = 1.5 -> 2.
    expect(costOf(tokens(1, 0), mini).costMicros).toBe(0);
    expect(costOf(tokens(3, 0), mini).costMicros).toBe(0);
    expect(costOf(tokens(4, 0), mini).costMicros).toBe(1);
    expect(costOf(tokens(10, 0), mini).costMicros).toBe(2);
    // Components are not rounded separately: 3 input (0.45) + 1 output (0.6) = 1.05 -> 1, not 0 + 1.
    expect(costOf(tokens(3, 1), mini).costMicros).toBe(1);
  });

  it('prices GPU-hour targets by the attributed busy time', () => {
    // $2.50 per GPU-hour x 2 GPUs, 36 s of attributed busy time = 5.00 x 0.01 = $0.05.
    const entry = { gpuHourMicros: 2_500_000, gpus: 2 };
    expect(costOf(tokens(100, 100), entry, 36_000_000)).toEqual({ costMicros: 50_000, basis: 'gpu-time' });
    expect(costOf(tokens(100, 100), entry, null)).toEqual({ costMicros: 0, basis: 'unpriced' });
  });

  it('marks calls without a price as unpriced', () => {
    expect(costOf(tokens(100, 100), null)).toEqual({ costMicros: 0, basis: 'unpriced' });
  });

  it('never uses floats: large counts stay exact', () => {
    const entry = { inputPerMillionMicros: 1_000_003, outputPerMillionMicros: 7 };
    // 123,456,789 x 1,000,003 / 1e6 = 123,457,159.370367 -> 123,457,159
    expect(costOf(tokens(123_456_789, 0), entry).costMicros).toBe(123_457_159);
  });
});

describe('maxTokenCostMicros', () => {
  it('assumes no cache hits and the full max_tokens, rounding up', () => {
    expect(maxTokenCostMicros(mini, 1_000, 1_000)).toBe(750); // 150 + 600
    expect(maxTokenCostMicros(mini, 1, 0)).toBe(1); // 0.15 rounds up
    expect(maxTokenCostMicros(null, 1_000, 1_000)).toBe(0);
  });
});
