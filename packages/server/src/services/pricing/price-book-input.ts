import { z } from 'zod';
import type { PriceEntry } from '../../ports/cost-repositories.js';
import { dollarsToMicros } from './money.js';

/**
 * A price-book version as people write it, in the config file's `prices:` section and in
 * `POST /v1/prices`: decimal dollars per million tokens (or per GPU-hour), as strings ("2.50") or
 * numbers. Parsing converts them to integer micro-dollars exactly (money.ts) and refuses anything
 * ambiguous, each issue naming its field.
 */

/** Decimal dollars -> micro-dollars; a bad amount is an issue on its own field. */
const dollars = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return dollarsToMicros(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message, input: value });
    return z.NEVER;
  }
});

const TOKEN_FIELDS = ['input', 'cachedInput', 'output', 'reasoning'] as const;

export const priceEntryInputSchema = z
  .strictObject({
    /** A gateway target id; wins over `model`. */
    target: z.string().min(1).max(200).optional(),
    /** The upstream (or embedding) model name. */
    model: z.string().min(1).max(200).optional(),
    /** Dollars per million input tokens. */
    input: dollars.optional(),
    /** Dollars per million cached input tokens (default: input). */
    cachedInput: dollars.optional(),
    /** Dollars per million output tokens. */
    output: dollars.optional(),
    /** Dollars per million reasoning tokens (default: output). */
    reasoning: dollars.optional(),
    /** Dollars per GPU-hour, for self-hosted targets priced by time instead of tokens. */
    gpuHour: dollars.optional(),
    /** GPUs behind the target (default 1). */
    gpus: z.int().min(1).max(1024).optional(),
  })
  .superRefine((entry, ctx) => {
    const issue = (field: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [field], message, input: entry });
    if (entry.target === undefined && entry.model === undefined) {
      issue('target', 'an entry needs a target or a model');
    }
    const tokenFields = TOKEN_FIELDS.filter((field) => entry[field] !== undefined);
    if (entry.gpuHour !== undefined) {
      for (const field of tokenFields) issue(field, 'price an entry by tokens or by gpuHour, not both');
      return;
    }
    if (entry.gpus !== undefined) issue('gpus', 'only with gpuHour');
    if (tokenFields.length === 0) {
      issue('input', 'an entry needs token prices (input and output) or gpuHour');
      return;
    }
    // Both are required so a forgotten output price is an error, not free output (embeddings: output 0).
    if (entry.input === undefined) issue('input', 'required with token prices');
    if (entry.output === undefined) issue('output', 'required with token prices (0 for embedding models)');
  })
  .transform(toPriceEntry);

export type PriceEntryInput = z.input<typeof priceEntryInputSchema>;

export const priceEntriesInputSchema = z
  .array(priceEntryInputSchema)
  .max(10_000)
  .superRefine((entries, ctx) => {
    // One version prices each target and each model at most once: a second match would be ignored.
    const seen = new Map<string, number>();
    entries.forEach((entry, index) => {
      const [field, key] = entry.target !== undefined ? ['target', entry.target] : ['model', entry.model];
      const previous = seen.get(`${field}\u0000${key}`);
      if (previous !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [index, field],
          message: `${field} "${key}" is already priced by entry ${previous}`,
          input: key,
        });
      } else {
        seen.set(`${field}\u0000${key}`, index);
      }
    });
  });

/** An ISO timestamp (any offset) or a date (midnight UTC), normalised to `toISOString()`. */
export const instantSchema = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((value) => new Date(value.length === 10 ? `${value}T00:00:00Z` : value).toISOString());

export const priceBookInputSchema = z.strictObject({
  /** When the version starts pricing calls (default: when it is stored). */
  effectiveFrom: instantSchema.optional(),
  note: z.string().max(1000).optional(),
  entries: priceEntriesInputSchema,
});

/** What a client or the config file writes. */
export type PriceBookInput = z.input<typeof priceBookInputSchema>;
/** The same, in micro-dollars, ready to be stored as a version. */
export type ParsedPriceBook = z.output<typeof priceBookInputSchema>;

function toPriceEntry(entry: {
  target?: string | undefined;
  model?: string | undefined;
  input?: number | undefined;
  cachedInput?: number | undefined;
  output?: number | undefined;
  reasoning?: number | undefined;
  gpuHour?: number | undefined;
  gpus?: number | undefined;
}): PriceEntry {
  // Absent fields stay absent (not undefined-valued keys), so stored JSON compares by content.
  const out: PriceEntry = {};
  if (entry.target !== undefined) out.target = entry.target;
  if (entry.model !== undefined) out.model = entry.model;
  if (entry.input !== undefined) out.inputPerMillionMicros = entry.input;
  if (entry.cachedInput !== undefined) out.cachedInputPerMillionMicros = entry.cachedInput;
  if (entry.output !== undefined) out.outputPerMillionMicros = entry.output;
  if (entry.reasoning !== undefined) out.reasoningPerMillionMicros = entry.reasoning;
  if (entry.gpuHour !== undefined) out.gpuHourMicros = entry.gpuHour;
  if (entry.gpus !== undefined) out.gpus = entry.gpus;
  return out;
}
