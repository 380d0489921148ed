import { z } from 'zod';

export const createKeyRequestSchema = z.object({
  /** Tenant to create the key for; created when it does not exist. Admin keys only. */
  tenant: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "-" and "_", 1-63 chars'),
  name: z.string().min(1).max(200).optional(),
  admin: z.boolean().default(false),
});
export type CreateKeyRequest = z.input<typeof createKeyRequestSchema>;

export const createdKeySchema = z.object({
  id: z.string(),
  tenant: z.string(),
  name: z.string().nullable(),
  admin: z.boolean(),
  /** The secret; shown once, only its hash is stored. */
  key: z.string(),
  createdAt: z.string(),
});
export type CreatedKey = z.infer<typeof createdKeySchema>;

export const healthSchema = z.object({
  status: z.literal('ok'),
  version: z.string(),
});
