import { z } from 'zod';

/** Dollars as a decimal string ("2.50", "$0.075") or a number; at most six decimals (micro-dollars). */
const dollarsSchema = z.union([z.string().min(1).max(40), z.number().nonnegative()]);

/**
 * One price: a gateway target or an upstream model, priced per million tokens (`input` and `output`,
 * optionally `cachedInput` and `reasoning`) or per GPU-hour (`gpuHour`, with `gpus`). A target entry
 * wins over a model entry for that target's calls.
 */
export const priceEntryInputSchema = z.object({
  target: z.string().min(1).max(200).optional(),
  model: z.string().min(1).max(200).optional(),
  /** Dollars per million input tokens. */
  input: dollarsSchema.optional(),
  /** Dollars per million cached input tokens; default: input. */
  cachedInput: dollarsSchema.optional(),
  /** Dollars per million output tokens (0 for embedding models). */
  output: dollarsSchema.optional(),
  /** Dollars per million reasoning tokens; default: output. */
  reasoning: dollarsSchema.optional(),
  /** Dollars per GPU-hour, for self-hosted targets priced by time. */
  gpuHour: dollarsSchema.optional(),
  /** GPUs behind the target; default 1. */
  gpus: z.number().int().positive().optional(),
});
export type PriceEntryInput = z.input<typeof priceEntryInputSchema>;

/** A new version of the whole price book (it replaces the previous one from `effectiveFrom` on). */
export const createPriceVersionRequestSchema = z.object({
  /** ISO timestamp or date; default: now. */
  effectiveFrom: z.string().optional(),
  note: z.string().max(1000).optional(),
  entries: z.array(priceEntryInputSchema),
});
export type CreatePriceVersionRequest = z.input<typeof createPriceVersionRequestSchema>;

/** A stored price: each amount in exact micro-dollars and as a dollar string ("2.500000"). */
export const priceEntrySchema = z.object({
  target: z.string().optional(),
  model: z.string().optional(),
  inputPerMillionMicros: z.number().int().optional(),
  input: z.string().optional(),
  cachedInputPerMillionMicros: z.number().int().optional(),
  cachedInput: z.string().optional(),
  outputPerMillionMicros: z.number().int().optional(),
  output: z.string().optional(),
  reasoningPerMillionMicros: z.number().int().optional(),
  reasoning: z.string().optional(),
  gpuHourMicros: z.number().int().optional(),
  gpuHour: z.string().optional(),
  gpus: z.number().int().optional(),
});
export type PriceEntry = z.infer<typeof priceEntrySchema>;

export const priceVersionSchema = z.object({
  version: z.number().int(),
  effectiveFrom: z.string(),
  /** `config`: the server's config file; `api`: POST /v1/prices. */
  source: z.enum(['config', 'api']),
  note: z.string().nullable(),
  createdAt: z.string(),
  /** The admin key that stored it; null for the config file. */
  createdBy: z.string().nullable(),
  entries: z.array(priceEntrySchema),
});
export type PriceVersion = z.infer<typeof priceVersionSchema>;

/** The version in force (`GET /v1/prices`); every field but `entries` is null while none is. */
export const currentPricesSchema = z.union([
  priceVersionSchema,
  z.object({
    version: z.null(),
    effectiveFrom: z.null(),
    source: z.null(),
    note: z.null(),
    createdAt: z.null(),
    createdBy: z.null(),
    entries: z.array(priceEntrySchema).length(0),
  }),
]);
export type CurrentPrices = z.infer<typeof currentPricesSchema>;

export const priceVersionListSchema = z.object({ data: z.array(priceVersionSchema) });
export type PriceVersionList = z.infer<typeof priceVersionListSchema>;
