import { z } from 'zod';

export const SUPPORTED_CONTENT_TYPES = [
  'text/plain',
  'text/markdown',
  'text/html',
  'application/pdf',
] as const;
export type SupportedContentType = (typeof SUPPORTED_CONTENT_TYPES)[number];

export const metadataValueSchema = z.union([z.string(), z.number().finite(), z.boolean()]);
export const metadataSchema = z.record(
  z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'metadata keys are letters, digits and _, at most 64 chars'),
  metadataValueSchema,
);
export type Metadata = z.infer<typeof metadataSchema>;

/** Document ids are 1-512 characters, no control characters, no surrounding whitespace; "/" is fine (paths). */
export const documentIdSchema = z
  .string()
  .min(1)
  .max(512)
  .refine((id) => id.trim() === id, 'must not start or end with whitespace')
  .refine(
    (id) => ![...id].some((ch) => ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127),
    'must not contain control characters',
  );

/**
 * One document in an ingestion batch. Either `text`, or `content` with a `contentType`
 * (base64 when the type is binary, such as application/pdf).
 */
export const documentInputSchema = z
  .object({
    id: documentIdSchema,
    text: z.string().optional(),
    content: z.string().optional(),
    contentType: z.string().optional(),
    metadata: metadataSchema.optional(),
  })
  .superRefine((doc, ctx) => {
    const hasText = doc.text !== undefined;
    const hasContent = doc.content !== undefined;
    if (hasText === hasContent) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of "text" or "content"', path: ['text'] });
    }
    if (hasContent && !doc.contentType) {
      ctx.addIssue({ code: 'custom', message: 'is required with "content"', path: ['contentType'] });
    }
  });
export type DocumentInput = z.infer<typeof documentInputSchema>;

export const ingestRequestSchema = z.object({
  documents: z.array(documentInputSchema).min(1),
  /** Groups documents by origin (a folder, a bucket); `sync` deletes this source's documents missing from the batch. */
  source: z.string().min(1).max(512).optional(),
  sync: z.boolean().optional(),
});
export type IngestRequest = z.infer<typeof ingestRequestSchema>;

export const ingestResultSchema = z.object({
  added: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  deleted: z.number().int(),
  chunks: z.number().int(),
  usage: z.object({ embeddingTokens: z.number().int() }),
});
export type IngestResult = z.infer<typeof ingestResultSchema>;

export const documentSchema = z.object({
  id: z.string(),
  source: z.string().nullable(),
  contentType: z.string(),
  contentHash: z.string(),
  chunkCount: z.number().int(),
  characters: z.number().int(),
  metadata: metadataSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Document = z.infer<typeof documentSchema>;

export const documentListSchema = z.object({
  data: z.array(documentSchema),
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type DocumentList = z.infer<typeof documentListSchema>;
