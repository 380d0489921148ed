import { z } from 'zod';
import { priceEntrySchema } from './prices.js';
import { labelNameSchema, labelOverrideSchema, policyDecisionSchema, promptNameSchema } from './prompts.js';

/** Model names follow the prompt-name rules: letters, digits, `.`, `_`, `-`, segments joined by `/`. */
export const modelNameSchema = promptNameSchema;

/** Aliases (`champion`, `challenger`, custom) follow the label rules; `latest` is automatic. */
export const modelAliasSchema = labelNameSchema;

const refSchema = z.string().min(1).max(200);

/**
 * What a model version is: a gateway route (`route`, `routeVersion` defaulting to the route's current
 * version), or one gateway target or pool (`target` or `pool`) with `baseModel` (default: the model the
 * target or the pool's replicas serve; must match it) and optionally a LoRA `adapter` served there.
 */
export const modelSpecInputSchema = z
  .object({
    route: refSchema.optional(),
    routeVersion: z.number().int().min(1).optional(),
    target: refSchema.optional(),
    pool: refSchema.optional(),
    baseModel: z.string().min(1).max(200).optional(),
    adapter: z.string().min(1).max(200).optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const given = (['route', 'target', 'pool'] as const).filter((field) => spec[field] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: given.length === 0 ? [] : [given[1] as string],
        message: 'give exactly one of route, target or pool',
      });
      return;
    }
    const only = (field: 'routeVersion' | 'baseModel' | 'adapter', allowed: boolean, what: string) => {
      if (spec[field] !== undefined && !allowed)
        ctx.addIssue({ code: 'custom', path: [field], message: what });
    };
    only('routeVersion', spec.route !== undefined, 'only with route');
    only('baseModel', spec.route === undefined, 'only with target or pool (a route names its own targets)');
    only('adapter', spec.route === undefined, 'only with target or pool (a route names its own adapters)');
  });
export type ModelSpecInput = z.input<typeof modelSpecInputSchema>;

export const modelLineageSchema = z
  .object({
    /** The fine-tune job that produced the version. */
    fineTuneJob: z.string().min(1).max(200).optional(),
    /** The dataset (and its version) it was trained on. */
    dataset: z.string().min(1).max(500).optional(),
    /** Eval runs that scored it; more can be linked later. */
    evalRuns: z.array(z.string().min(1).max(200)).max(100).optional(),
  })
  .strict();
export type ModelLineage = z.infer<typeof modelLineageSchema>;

/** `POST /v1/registry/models/{name}/versions`. */
export const createModelVersionRequestSchema = z
  .object({
    spec: modelSpecInputSchema,
    lineage: modelLineageSchema.optional(),
    /** The commit message. */
    message: z.string().max(2000).optional(),
  })
  .strict();
export type CreateModelVersionRequest = z.input<typeof createModelVersionRequestSchema>;

/** A stored spec: a route at a pinned version, or a target/pool with its base model (and adapter). */
export const modelSpecSchema = z.union([
  z.object({ route: z.string(), routeVersion: z.number().int(), source: z.enum(['config', 'tenant']) }),
  z.object({
    target: z.string().optional(),
    pool: z.string().optional(),
    baseModel: z.string(),
    adapter: z.string().optional(),
  }),
]);
export type ModelSpec = z.infer<typeof modelSpecSchema>;

/** The price-book entry each target the version can reach is priced by now (target id first, then model). */
export const modelPriceLinkSchema = z.object({
  /** The price-book version in force now; null when the book is empty or nothing is metered. */
  priceVersion: z.number().int().nullable(),
  targets: z.array(
    z.object({
      target: z.string(),
      /** The model the call is priced as: the adapter, else the target's model. */
      model: z.string(),
      price: priceEntrySchema.nullable(),
    }),
  ),
});
export type ModelPriceLink = z.infer<typeof modelPriceLinkSchema>;

export const modelVersionSchema = z.object({
  name: z.string(),
  version: z.number().int(),
  spec: modelSpecSchema,
  /** `evalRuns` lists the runs given at creation, then the ones linked since. */
  lineage: z.object({
    fineTuneJob: z.string().nullable(),
    dataset: z.string().nullable(),
    evalRuns: z.array(z.string()),
  }),
  message: z.string().nullable(),
  /** The aliases pointing at this version now, `latest` included for the highest. */
  aliases: z.array(z.string()),
  price: modelPriceLinkSchema,
  createdAt: z.string(),
  createdBy: z.string().nullable(),
});
export type ModelVersion = z.infer<typeof modelVersionSchema>;

export const modelVersionListSchema = z.object({ data: z.array(modelVersionSchema) });
export type ModelVersionList = z.infer<typeof modelVersionListSchema>;

export const modelSummarySchema = z.object({
  name: z.string(),
  latestVersion: z.number().int(),
  /** alias -> version, `latest` excluded. */
  aliases: z.record(z.string(), z.number().int()),
  updatedAt: z.string(),
});
export type ModelSummary = z.infer<typeof modelSummarySchema>;

export const modelListSchema = z.object({ data: z.array(modelSummarySchema) });
export type ModelList = z.infer<typeof modelListSchema>;

/** `PUT /v1/registry/models/{name}/aliases/{alias}`. */
export const setModelAliasRequestSchema = z
  .object({ version: z.number().int().min(1), override: labelOverrideSchema.optional() })
  .strict();
export type SetModelAliasRequest = z.input<typeof setModelAliasRequestSchema>;

/** An alias after a PUT; `moved: false` when it already pointed there (nothing recorded, no decision). */
export const modelAliasViewSchema = z.object({
  name: z.string(),
  alias: z.string(),
  version: z.number().int(),
  previousVersion: z.number().int().nullable(),
  moved: z.boolean(),
  decision: policyDecisionSchema.nullable(),
  updatedAt: z.string(),
  updatedBy: z.string().nullable(),
});
export type ModelAlias = z.infer<typeof modelAliasViewSchema>;

export const modelAliasMoveSchema = z.object({
  alias: z.string(),
  fromVersion: z.number().int().nullable(),
  toVersion: z.number().int(),
  at: z.string(),
  by: z.string().nullable(),
  decision: policyDecisionSchema,
});
export const modelAliasHistorySchema = z.object({ data: z.array(modelAliasMoveSchema) });
export type ModelAliasHistory = z.infer<typeof modelAliasHistorySchema>;

/** `POST /v1/registry/models/{name}/versions/{version}/eval-runs`: links an eval run that scored it. */
export const linkModelEvalRunRequestSchema = z.object({ evalRun: z.string().min(1).max(200) }).strict();
export type LinkModelEvalRunRequest = z.input<typeof linkModelEvalRunRequestSchema>;
