import { z } from 'zod';

const tenantNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "-" and "_", 1-63 chars');

const keyRateLimitSchema = z.number().int().min(1).max(1_000_000_000);

export const createKeyRequestSchema = z.object({
  /** Tenant to create the key for; created when it does not exist. Admin keys only. */
  tenant: tenantNameSchema,
  name: z.string().min(1).max(200).optional(),
  admin: z.boolean().default(false),
  /**
   * The models (gateway route names and embedder names) the key may use, as glob patterns where `*`
   * matches any run of characters (`llama-*`, `meta-llama/*`). Absent or null: every model; `[]`: none.
   */
  allowedModels: z
    .array(
      z
        .string()
        .min(1)
        .max(200)
        .refine(
          (pattern) => ![...pattern].some((ch) => ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127),
          'must not contain control characters',
        ),
    )
    .max(100)
    .nullable()
    .default(null),
  /** Requests per minute the key may make (a token bucket: a full minute may burst at once); null: no limit. */
  rpmLimit: keyRateLimitSchema.nullable().default(null),
  /** Tokens per minute (prompt + max output, corrected to the real count afterwards); null: no limit. */
  tpmLimit: keyRateLimitSchema.nullable().default(null),
});
export type CreateKeyRequest = z.input<typeof createKeyRequestSchema>;

/** `PATCH /v1/keys/{id}` (admin keys): changes a key's rate limits; null removes one, absent keeps it. */
export const updateKeyRequestSchema = z.object({
  /** The key's tenant; default: the caller's. */
  tenant: tenantNameSchema.optional(),
  rpmLimit: keyRateLimitSchema.nullable().optional(),
  tpmLimit: keyRateLimitSchema.nullable().optional(),
});
export type UpdateKeyRequest = z.input<typeof updateKeyRequestSchema>;

/** A key as stored, without its secret. */
export const apiKeySchema = z.object({
  id: z.string(),
  tenant: z.string(),
  name: z.string().nullable(),
  admin: z.boolean(),
  allowedModels: z.array(z.string()).nullable().default(null),
  rpmLimit: z.number().int().nullable().default(null),
  tpmLimit: z.number().int().nullable().default(null),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

export const createdKeySchema = z.object({
  id: z.string(),
  tenant: z.string(),
  name: z.string().nullable(),
  admin: z.boolean(),
  /** The key's model allow-list; null: every model (also what servers without allow-lists mean). */
  allowedModels: z.array(z.string()).nullable().default(null),
  /** Requests per minute; null: no limit (also what servers without rate limits mean). */
  rpmLimit: z.number().int().nullable().default(null),
  /** Tokens per minute; null: no limit. */
  tpmLimit: z.number().int().nullable().default(null),
  /** The secret; shown once, only its hash is stored. */
  key: z.string(),
  createdAt: z.string(),
});
export type CreatedKey = z.infer<typeof createdKeySchema>;

export const healthSchema = z.object({
  status: z.literal('ok'),
  version: z.string(),
});
