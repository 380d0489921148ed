import { z } from 'zod';

/** What usage can be grouped by; `day` is the UTC date (`YYYY-MM-DD`) the call started. */
export const USAGE_DIMENSIONS = [
  'model',
  'target',
  'key',
  'route',
  'prompt',
  'release',
  'day',
  'kind',
] as const;
export const usageDimensionSchema = z.enum(USAGE_DIMENSIONS);
export type UsageDimension = z.infer<typeof usageDimensionSchema>;

/** Counts and cost of a set of metered calls. Money twice: exact integer micro-dollars and a dollar string. */
export const usageTotalsSchema = z.object({
  requests: z.number().int(),
  inputTokens: z.number().int(),
  /** Part of inputTokens served from a prompt cache. */
  cachedInputTokens: z.number().int(),
  outputTokens: z.number().int(),
  /** Part of outputTokens spent on reasoning. */
  reasoningTokens: z.number().int(),
  costMicros: z.number().int(),
  /** "12.345678" dollars, exact. */
  cost: z.string(),
  /** Calls whose token counts Ragline estimated (the upstream gave none, or the stream was cut). */
  estimatedRequests: z.number().int(),
  /** Calls no price matched (they count 0 in cost). */
  unpricedRequests: z.number().int(),
});
export type UsageTotals = z.infer<typeof usageTotalsSchema>;

const dimensionValue = z.string().nullable().optional();

/** One group: the value of each requested dimension (null where the calls had none) and its totals. */
export const usageGroupSchema = usageTotalsSchema.extend({
  model: dimensionValue,
  target: dimensionValue,
  key: dimensionValue,
  route: dimensionValue,
  prompt: dimensionValue,
  release: dimensionValue,
  day: dimensionValue,
  kind: dimensionValue,
});
export type UsageGroup = z.infer<typeof usageGroupSchema>;

export const usageSummarySchema = z.object({
  /** Inclusive, ISO. */
  from: z.string(),
  /** Exclusive, ISO. */
  to: z.string(),
  groupBy: z.array(usageDimensionSchema),
  tenant: z.string(),
  /** The key the report is limited to, or null for the whole tenant. */
  key: z.string().nullable(),
  /** Costs recomputed under this price version instead of the recorded ones; null: as recorded. */
  priceVersion: z.number().int().nullable(),
  /** Ordered by the dimension values (null first). */
  groups: z.array(usageGroupSchema),
  totals: usageTotalsSchema,
});
export type UsageSummary = z.infer<typeof usageSummarySchema>;

/** One metered call as stored in the ledger. */
export const usageRecordSchema = z.object({
  /** The request id, suffixed `:n` when one request made several metered calls. */
  id: z.string(),
  requestId: z.string(),
  key: z.string().nullable(),
  kind: z.string(),
  route: z.string().nullable(),
  routeVersion: z.number().int().nullable(),
  target: z.string().nullable(),
  targetKind: z.string().nullable(),
  model: z.string(),
  prompt: z.string().nullable(),
  release: z.string().nullable(),
  inputTokens: z.number().int(),
  cachedInputTokens: z.number().int(),
  outputTokens: z.number().int(),
  reasoningTokens: z.number().int(),
  usageSource: z.enum(['upstream', 'estimated']),
  estimateMethod: z.string().nullable(),
  /** GPU-hour priced targets: the call's share of the replica's busy time, in microseconds. */
  gpuBusyUs: z.number().int().nullable(),
  stream: z.boolean(),
  outcome: z.string(),
  /** ISO time the call started. */
  startedAt: z.string(),
  durationMs: z.number().int(),
  costMicros: z.number().int(),
  cost: z.string(),
  priceVersion: z.number().int().nullable(),
  costBasis: z.enum(['tokens', 'gpu-time', 'unpriced']),
});
export type UsageRecord = z.infer<typeof usageRecordSchema>;

export const usageRecordListSchema = z.object({
  /** The window as the server read it (inclusive, ISO): relative times resolved. */
  from: z.string(),
  /** Exclusive, ISO. */
  to: z.string(),
  /** Oldest first. */
  data: z.array(usageRecordSchema),
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type UsageRecordList = z.infer<typeof usageRecordListSchema>;
