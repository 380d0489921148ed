import { z } from 'zod';
import { metadataSchema } from './documents.js';

export const retrievalModeSchema = z.enum(['dense', 'lexical', 'hybrid']);
export type RetrievalMode = z.infer<typeof retrievalModeSchema>;

export const queryRequestSchema = z.object({
  query: z.string().min(1).max(8192),
  /** Defaults to hybrid for collections with an embedder, lexical otherwise. */
  mode: retrievalModeSchema.optional(),
  topK: z.number().int().min(1).max(1000).default(10),
  /** MongoDB-style metadata filter: equality, $in, $gt/$gte/$lt/$lte, $ne, $and/$or/$not. */
  filter: z.record(z.string(), z.unknown()).optional(),
  minScore: z.number().optional(),
  fusion: z
    .object({
      k: z.number().int().min(1).max(1000).default(60),
      denseWeight: z.number().min(0).max(10).default(1),
      lexicalWeight: z.number().min(0).max(10).default(1),
    })
    .optional(),
  /** Maximal marginal relevance: trade relevance (lambda=1) against diversity (lambda=0). */
  mmr: z
    .object({
      lambda: z.number().min(0).max(1).default(0.5),
      fetchK: z.number().int().min(1).max(1000).optional(),
    })
    .optional(),
});
export type QueryRequest = z.input<typeof queryRequestSchema>;

export const queryResultSchema = z.object({
  chunkId: z.string(),
  documentId: z.string(),
  text: z.string(),
  score: z.number(),
  metadata: metadataSchema,
  headingPath: z.array(z.string()),
  start: z.number().int(),
  end: z.number().int(),
});
export type QueryResult = z.infer<typeof queryResultSchema>;

export const queryResponseSchema = z.object({
  mode: retrievalModeSchema,
  results: z.array(queryResultSchema),
  usage: z.object({ embeddingTokens: z.number().int() }),
});
export type QueryResponse = z.infer<typeof queryResponseSchema>;
