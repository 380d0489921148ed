import { z } from 'zod';

export const budgetPeriodSchema = z.enum(['day', 'month']);
export type BudgetPeriod = z.infer<typeof budgetPeriodSchema>;

/** hard: refuses calls (402) that could take spend past the limit; soft: records an alert when crossed. */
export const budgetModeSchema = z.enum(['hard', 'soft']);
export type BudgetMode = z.infer<typeof budgetModeSchema>;

/** Dollars as a decimal string ("25", "0.50", "$10") or a number; at most six decimals (micro-dollars). */
const dollarsSchema = z.union([z.string().min(1).max(40), z.number().nonnegative()]);

export const createBudgetRequestSchema = z.object({
  name: z.string().min(1).max(200).optional(),
  /** A key of the caller's tenant: the budget counts that key's calls only. Absent or null: the whole tenant. */
  keyId: z.string().min(1).max(200).nullable().optional(),
  /** UTC day or UTC calendar month; spend starts again from zero at the start of each. */
  period: budgetPeriodSchema,
  limit: dollarsSchema,
  mode: budgetModeSchema.default('hard'),
});
export type CreateBudgetRequest = z.input<typeof createBudgetRequestSchema>;

/** Scope and period are fixed: delete the budget and create another to change them. */
export const updateBudgetRequestSchema = z.object({
  name: z.string().min(1).max(200).nullable().optional(),
  limit: dollarsSchema.optional(),
  mode: budgetModeSchema.optional(),
});
export type UpdateBudgetRequest = z.input<typeof updateBudgetRequestSchema>;

/** A budget with its figures for the current period. Money twice: exact micro-dollars and a dollar string. */
export const budgetSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  scope: z.enum(['tenant', 'key']),
  keyId: z.string().nullable(),
  period: budgetPeriodSchema,
  mode: budgetModeSchema,
  limitMicros: z.number().int(),
  /** Settled cost in the current period. */
  spentMicros: z.number().int(),
  /** Maximum cost of calls in flight (reserved before they started). */
  reservedMicros: z.number().int(),
  /** limit - spent - reserved, never below zero. */
  remainingMicros: z.number().int(),
  /** "12.500000" */
  limit: z.string(),
  spent: z.string(),
  reserved: z.string(),
  remaining: z.string(),
  periodStart: z.string(),
  /** When the budget starts again from zero. */
  periodEnd: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Budget = z.infer<typeof budgetSchema>;

export const budgetListSchema = z.object({ data: z.array(budgetSchema) });
export type BudgetList = z.infer<typeof budgetListSchema>;

/** Recorded once per budget and period: `crossed` when a soft budget's spend reached its limit, `refused` when a hard budget first refused a call. */
export const budgetAlertSchema = z.object({
  budgetId: z.string(),
  kind: z.enum(['crossed', 'refused']),
  periodStart: z.string(),
  spentMicros: z.number().int(),
  limitMicros: z.number().int(),
  spent: z.string(),
  limit: z.string(),
  at: z.string(),
});
export type BudgetAlert = z.infer<typeof budgetAlertSchema>;

export const budgetAlertListSchema = z.object({ data: z.array(budgetAlertSchema) });
export type BudgetAlertList = z.infer<typeof budgetAlertListSchema>;

export interface ListBudgetAlertsParams {
  /** ISO time: alerts at or after it. */
  since?: string;
  /** One budget's alerts. */
  budgetId?: string;
  /** 1-1000, default 100. */
  limit?: number;
}
