import { z } from 'zod';
import { modelNameSchema } from './models.js';
import { labelNameSchema, labelOverrideSchema, policyDecisionSchema, promptNameSchema } from './prompts.js';
import { retrievalModeSchema } from './retrieval.js';

/** `rel_` and 24 hex digits: the start of the SHA-256 of the release's canonical pins. */
export const releaseIdSchema = z.string().regex(/^rel_[0-9a-f]{24}$/, 'a release id: rel_ and 24 hex digits');

/**
 * Release labels (`production`, `staging`, ...): the label rules, less `labels` (the path
 * `/v1/releases/labels` lists them) and `latest`.
 */
export const releaseLabelNameSchema = labelNameSchema.refine(
  (label) => label !== 'labels',
  '"labels" is reserved (GET /v1/releases/labels lists the labels)',
);

const fusionSchema = z
  .object({
    k: z.number().int().min(1).max(1000).default(60),
    denseWeight: z.number().min(0).max(10).default(1),
    lexicalWeight: z.number().min(0).max(10).default(1),
  })
  .strict();

/**
 * `POST /v1/releases`. Each pin is resolved once, at creation: a prompt label to the version it points
 * at, a model alias (or no version: the latest) to a version, a route without `routeVersion` to its
 * current version, a collection without `version` to its current version. `model` null or omitted: an
 * extractive release, which answers with the best passages and calls no model (the prompt is still
 * pinned, so the release says which prompt it was made for).
 */
export const createReleaseRequestSchema = z
  .object({
    prompt: z
      .object({
        name: promptNameSchema,
        version: z.number().int().min(1).optional(),
        label: z.string().min(1).max(63).optional(),
      })
      .strict()
      .refine((p) => p.version === undefined || p.label === undefined, {
        message: 'give version or label, not both',
        path: ['label'],
      }),
    model: z
      .union([
        z
          .object({
            name: modelNameSchema,
            version: z.number().int().min(1).optional(),
            alias: z.string().min(1).max(63).optional(),
          })
          .strict()
          .refine((m) => m.version === undefined || m.alias === undefined, {
            message: 'give version or alias, not both',
            path: ['alias'],
          }),
        z
          .object({ route: z.string().min(1).max(200), routeVersion: z.number().int().min(1).optional() })
          .strict(),
      ])
      .nullable()
      .optional(),
    retrieval: z
      .object({
        collection: z.string().min(1).max(200),
        /** Default: hybrid for collections with an embedder, lexical otherwise. */
        mode: retrievalModeSchema.optional(),
        topK: z.number().int().min(1).max(1000).default(8),
        /** The query API's metadata filter. */
        filter: z.record(z.string(), z.unknown()).optional(),
        /** Hybrid only; default {k: 60, denseWeight: 1, lexicalWeight: 1}. */
        fusion: fusionSchema.optional(),
      })
      .strict(),
    /** The collection version (`retrieval.collection`'s); default: its current version. */
    collection: z
      .object({ name: z.string().min(1).max(200).optional(), version: z.string().min(1).max(100).optional() })
      .strict()
      .optional(),
  })
  .strict();
export type CreateReleaseRequest = z.input<typeof createReleaseRequestSchema>;

/** Everything a release pins; the release id hashes its canonical JSON. */
export const releasePinsSchema = z.object({
  prompt: z.object({ name: z.string(), version: z.number().int() }),
  /** null: an extractive release (no model; answers are the best passages). */
  model: z
    .union([
      z.object({ name: z.string(), version: z.number().int() }),
      z.object({ route: z.string(), routeVersion: z.number().int(), source: z.enum(['config', 'tenant']) }),
    ])
    .nullable(),
  retrieval: z.object({
    collection: z.string(),
    mode: retrievalModeSchema,
    topK: z.number().int(),
    filter: z.record(z.string(), z.unknown()).optional(),
    fusion: z.object({ k: z.number(), denseWeight: z.number(), lexicalWeight: z.number() }).optional(),
  }),
  collection: z.object({
    name: z.string(),
    /** The collection version (a LanceDB table version). */
    version: z.string(),
    /** The collection's internal id: a collection deleted and re-created under the name is another one. */
    id: z.string(),
  }),
});
export type ReleasePins = z.infer<typeof releasePinsSchema>;

export const releaseSchema = z.object({
  id: z.string(),
  pins: releasePinsSchema,
  /** The labels pointing at it now. */
  labels: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
});
export type Release = z.infer<typeof releaseSchema>;

/** The answer to a create: a new release (201, `created: true`), or the one with the same pins (200). */
export const createdReleaseSchema = releaseSchema.extend({ created: z.boolean() });
export type CreatedRelease = z.infer<typeof createdReleaseSchema>;

export const releaseListSchema = z.object({
  data: z.array(releaseSchema),
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: z.string().nullable(),
});
export type ReleaseList = z.infer<typeof releaseListSchema>;

export interface ListReleasesParams {
  /** 1-100, default 20. */
  limit?: number;
  /** The id of the last release of the previous page. */
  before?: string;
}

/** `PUT /v1/releases/labels/{label}`: a release id (or another label, resolved now). */
export const setReleaseLabelRequestSchema = z
  .object({ release: z.string().min(1).max(100), override: labelOverrideSchema.optional() })
  .strict();
export type SetReleaseLabelRequest = z.input<typeof setReleaseLabelRequestSchema>;

/** A label after a PUT; `moved: false` when it already pointed there (nothing recorded, no decision). */
export const releaseLabelViewSchema = z.object({
  label: z.string(),
  release: z.string(),
  previousRelease: z.string().nullable(),
  moved: z.boolean(),
  decision: policyDecisionSchema.nullable(),
  updatedAt: z.string(),
  updatedBy: z.string().nullable(),
});
export type ReleaseLabel = z.infer<typeof releaseLabelViewSchema>;

export const releaseLabelListSchema = z.object({
  data: z.array(
    z.object({
      label: z.string(),
      release: z.string(),
      updatedAt: z.string(),
      updatedBy: z.string().nullable(),
    }),
  ),
});
export type ReleaseLabelList = z.infer<typeof releaseLabelListSchema>;

/** One recorded move of a release label: who, when, from (null: a new label), to, and why it was allowed. */
export const releaseLabelMoveSchema = z.object({
  label: z.string(),
  fromRelease: z.string().nullable(),
  toRelease: z.string(),
  at: z.string(),
  by: z.string().nullable(),
  decision: policyDecisionSchema,
});
export const releaseLabelHistorySchema = z.object({ data: z.array(releaseLabelMoveSchema) });
export type ReleaseLabelHistory = z.infer<typeof releaseLabelHistorySchema>;
