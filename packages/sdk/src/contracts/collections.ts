import { z } from 'zod';

export const COLLECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const createCollectionSchema = z.object({
  name: z
    .string()
    .regex(
      COLLECTION_NAME,
      'lowercase letters, digits, "-" and "_", starting with a letter or digit, 1-63 chars',
    ),
  /** A configured embedder's name, or null for a lexical-only collection. */
  embedder: z.string().min(1).nullable(),
  description: z.string().max(1000).optional(),
});
export type CreateCollectionInput = z.infer<typeof createCollectionSchema>;

export const collectionSchema = z.object({
  name: z.string(),
  embedder: z.string().nullable(),
  embeddingModel: z.string().nullable(),
  dimensions: z.number().int().nullable(),
  description: z.string().nullable(),
  documentCount: z.number().int(),
  chunkCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Collection = z.infer<typeof collectionSchema>;

export const collectionListSchema = z.object({ data: z.array(collectionSchema) });
export type CollectionList = z.infer<typeof collectionListSchema>;

export const embedderInfoSchema = z.object({
  name: z.string(),
  kind: z.string(),
  model: z.string(),
  dimensions: z.number().int().nullable(),
  available: z.boolean(),
  reason: z.string().nullable(),
});
export type EmbedderInfo = z.infer<typeof embedderInfoSchema>;
export const embedderListSchema = z.object({ data: z.array(embedderInfoSchema) });
