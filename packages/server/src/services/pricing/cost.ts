import type { CostBasis, PriceEntry } from '../../ports/cost-repositories.js';

export interface TokenCounts {
  inputTokens: number;
  /** A subset of inputTokens. */
  cachedInputTokens: number;
  outputTokens: number;
  /** A subset of outputTokens. */
  reasoningTokens: number;
}

export interface Cost {
  costMicros: number;
  basis: CostBasis;
}

const MILLION = 1_000_000n;
const US_PER_HOUR = 3_600_000_000n;

/**
 * The cost of one call under one price entry, in integer micro-dollars. Products are summed exactly
 * (BigInt) and rounded once, half up, so a record's cost is off by at most half a micro-dollar and
 * never drifts with the number of components. GPU-hour entries price the call's attributed busy time
 * (`gpuBusyUs`); without it (or without an entry) the call is `unpriced` at zero.
 */
export function costOf(tokens: TokenCounts, entry: PriceEntry | null, gpuBusyUs: number | null = null): Cost {
  if (!entry) return { costMicros: 0, basis: 'unpriced' };
  if (entry.gpuHourMicros !== undefined) {
    if (gpuBusyUs === null) return { costMicros: 0, basis: 'unpriced' };
    const perHour = BigInt(entry.gpuHourMicros) * BigInt(entry.gpus ?? 1);
    return { costMicros: roundDiv(BigInt(gpuBusyUs) * perHour, US_PER_HOUR), basis: 'gpu-time' };
  }
  const input = entry.inputPerMillionMicros ?? 0;
  const cached = entry.cachedInputPerMillionMicros ?? input;
  const output = entry.outputPerMillionMicros ?? 0;
  const reasoning = entry.reasoningPerMillionMicros ?? output;
  const cachedTokens = Math.min(tokens.cachedInputTokens, tokens.inputTokens);
  const reasoningTokens = Math.min(tokens.reasoningTokens, tokens.outputTokens);
  const scaled =
    BigInt(tokens.inputTokens - cachedTokens) * BigInt(input) +
    BigInt(cachedTokens) * BigInt(cached) +
    BigInt(tokens.outputTokens - reasoningTokens) * BigInt(output) +
    BigInt(reasoningTokens) * BigInt(reasoning);
  return { costMicros: roundDiv(scaled, MILLION), basis: 'tokens' };
}

/** The most a call can cost under `entry`: every prompt token uncached, `maxOutputTokens` generated. */
export function maxTokenCostMicros(
  entry: PriceEntry | null,
  inputTokens: number,
  maxOutputTokens: number,
): number {
  if (!entry || entry.gpuHourMicros !== undefined) return 0;
  const output = Math.max(entry.outputPerMillionMicros ?? 0, entry.reasoningPerMillionMicros ?? 0);
  const input = Math.max(entry.inputPerMillionMicros ?? 0, entry.cachedInputPerMillionMicros ?? 0);
  const scaled = BigInt(inputTokens) * BigInt(input) + BigInt(maxOutputTokens) * BigInt(output);
  // Rounded up: a reservation must never be below the cost it stands for.
  return Number((scaled + MILLION - 1n) / MILLION);
}

/** numerator / denominator rounded half up, for non-negative operands. */
function roundDiv(numerator: bigint, denominator: bigint): number {
  const result = (numerator * 2n + denominator) / (denominator * 2n);
  if (result > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('cost out of range');
  return Number(result);
}
