import { z } from 'zod';

/** Letters, digits, `.`, `_` and `-`, in segments joined by `/` (`support/answer`); 1-200 characters. */
export const promptNameSchema = z
  .string()
  .max(200, 'at most 200 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/,
    'letters, digits, ".", "_" and "-", in segments joined by "/" (e.g. "support/answer")',
  );

/**
 * Label names: lowercase letters, digits, `.`, `_` and `-`, 1-63 characters. `latest` is automatic
 * (always the highest version) and cannot be set.
 */
export const labelNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lowercase letters, digits, ".", "_" and "-", 1-63 characters')
  .refine((label) => label !== 'latest', '"latest" always points at the highest version and cannot be set');

export const promptVariableTypeSchema = z.enum(['string', 'number', 'integer', 'boolean', 'array', 'object']);

export interface PromptVariable {
  type?: z.infer<typeof promptVariableTypeSchema>;
  description?: string;
  enum?: (string | number | boolean)[];
  items?: PromptVariable;
  properties?: Record<string, PromptVariable>;
  required?: string[];
}

/** One variable: a JSON Schema subset (type, description, enum, items, properties, required). */
export const promptVariableSchema: z.ZodType<PromptVariable> = z.lazy(() =>
  z
    .object({
      type: promptVariableTypeSchema.optional(),
      description: z.string().max(2000).optional(),
      enum: z
        .array(z.union([z.string(), z.number(), z.boolean()]))
        .min(1)
        .max(100)
        .optional(),
      items: promptVariableSchema.optional(),
      properties: z.record(z.string(), promptVariableSchema).optional(),
      required: z.array(z.string()).max(100).optional(),
    })
    .strict(),
);

/**
 * The variables a prompt takes, as a JSON Schema object: `{properties: {question: {type: "string"}},
 * required: ["question"]}`. Checked on every render: a missing or wrongly typed variable is a 400 naming it.
 */
export const promptVariablesSchema = z
  .object({
    type: z.literal('object').default('object'),
    properties: z.record(z.string(), promptVariableSchema).default({}),
    required: z.array(z.string()).max(100).default([]),
  })
  .strict();
export type PromptVariables = z.infer<typeof promptVariablesSchema>;

export const promptMessageRoleSchema = z.enum(['system', 'developer', 'user', 'assistant']);

/** A chat template's message, or `{role: "placeholder", name: "history"}`: where the request's history goes. */
export const promptMessageTemplateSchema = z.union([
  z.object({ role: promptMessageRoleSchema, content: z.string().max(100_000) }).strict(),
  z.object({ role: z.literal('placeholder'), name: z.literal('history') }).strict(),
]);
export type PromptMessageTemplate = z.infer<typeof promptMessageTemplateSchema>;

/** The model a prompt was written for: a gateway route and the call's parameters. */
export const promptModelConfigSchema = z
  .object({
    /** A gateway route name (the logical model). */
    model: z.string().min(1).max(200).optional(),
    /** Passed on with the call (temperature, max_tokens, ...). */
    parameters: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type PromptModelConfig = z.infer<typeof promptModelConfigSchema>;

/** `POST /v1/prompts/{name}/versions`: `template` (text) or `messages` (chat), not both. */
export const createPromptVersionRequestSchema = z
  .object({
    template: z.string().max(100_000).optional(),
    messages: z.array(promptMessageTemplateSchema).min(1).max(100).optional(),
    /** Absent: inferred from the template (each {{value}} required, each {{#section}} optional, any type). */
    variables: promptVariablesSchema.optional(),
    /** A route name, or `{model, parameters}`. */
    model: z.union([z.string().min(1).max(200), promptModelConfigSchema]).optional(),
    /** The commit message. */
    message: z.string().max(2000).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.template === undefined) === (body.messages === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['template'],
        message: 'give either template (a text prompt) or messages (a chat prompt)',
      });
    }
  });
export type CreatePromptVersionRequest = z.input<typeof createPromptVersionRequestSchema>;

/** A stored version. `labels` are the labels pointing at it now, `latest` included for the highest. */
export const promptVersionSchema = z.object({
  name: z.string(),
  version: z.number().int(),
  kind: z.enum(['text', 'chat']),
  /** Text prompts; null for chat prompts. */
  template: z.string().nullable(),
  /** Chat prompts; null for text prompts. */
  messages: z.array(promptMessageTemplateSchema).nullable(),
  variables: promptVariablesSchema,
  model: promptModelConfigSchema.nullable(),
  message: z.string().nullable(),
  /** Hex SHA-256 of the content (kind, template or messages, variables, model). */
  contentHash: z.string(),
  labels: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
});
export type PromptVersion = z.infer<typeof promptVersionSchema>;

/** The answer to a create: the new version (201, `created: true`), or the latest when identical (200). */
export const createdPromptVersionSchema = promptVersionSchema.extend({ created: z.boolean() });
export type CreatedPromptVersion = z.infer<typeof createdPromptVersionSchema>;

export const promptVersionListSchema = z.object({ data: z.array(promptVersionSchema) });
export type PromptVersionList = z.infer<typeof promptVersionListSchema>;

export const promptSummarySchema = z.object({
  name: z.string(),
  latestVersion: z.number().int(),
  /** label -> version, `latest` excluded. */
  labels: z.record(z.string(), z.number().int()),
  updatedAt: z.string(),
});
export type PromptSummary = z.infer<typeof promptSummarySchema>;

export const promptListSchema = z.object({ data: z.array(promptSummarySchema) });
export type PromptList = z.infer<typeof promptListSchema>;

export const policyDecisionSchema = z.object({
  allowed: z.boolean(),
  reason: z.string(),
  checks: z.array(z.object({ name: z.string(), passed: z.boolean(), detail: z.string() })),
  /** Present when an admin key moved the label although the policy refused (`checks` say what failed). */
  override: z.object({ reason: z.string(), by: z.string().nullable() }).optional(),
});
export type PolicyDecision = z.infer<typeof policyDecisionSchema>;

/** Moves a label the promotion policy refuses: admin keys only, with the reason, recorded in the history. */
export const labelOverrideSchema = z.object({ reason: z.string().trim().min(1).max(1000) }).strict();
export type LabelOverride = z.input<typeof labelOverrideSchema>;

/** `PUT /v1/prompts/{name}/labels/{label}`. */
export const setPromptLabelRequestSchema = z
  .object({ version: z.number().int().min(1), override: labelOverrideSchema.optional() })
  .strict();
export type SetPromptLabelRequest = z.input<typeof setPromptLabelRequestSchema>;

/** A label after a PUT; `moved: false` when it already pointed there (nothing recorded, no decision). */
export const promptLabelSchema = z.object({
  name: z.string(),
  label: z.string(),
  version: z.number().int(),
  previousVersion: z.number().int().nullable(),
  moved: z.boolean(),
  decision: policyDecisionSchema.nullable(),
  updatedAt: z.string(),
  updatedBy: z.string().nullable(),
});
export type PromptLabel = z.infer<typeof promptLabelSchema>;

/** One recorded label move: who moved it, when, from (null: a new label) and to which version, and why. */
export const promptLabelMoveSchema = z.object({
  label: z.string(),
  fromVersion: z.number().int().nullable(),
  toVersion: z.number().int(),
  at: z.string(),
  by: z.string().nullable(),
  decision: policyDecisionSchema,
});
export type PromptLabelMove = z.infer<typeof promptLabelMoveSchema>;

export const promptLabelHistorySchema = z.object({ data: z.array(promptLabelMoveSchema) });
export type PromptLabelHistory = z.infer<typeof promptLabelHistorySchema>;

/** A history message: OpenAI's chat message shape (other fields are dropped). */
export const chatHistoryMessageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([
    z.string(),
    z.array(z.object({ type: z.string(), text: z.string().optional() }).passthrough()),
    z.null(),
  ]),
  name: z.string().optional(),
  tool_call_id: z.string().optional(),
  tool_calls: z.array(z.unknown()).optional(),
});
export type ChatHistoryMessage = z.infer<typeof chatHistoryMessageSchema>;

/** `POST /v1/prompts/{name}/render`: `version` or `label` (default: the latest). */
export const renderPromptRequestSchema = z
  .object({
    version: z.number().int().min(1).optional(),
    label: z.string().min(1).max(63).optional(),
    variables: z.record(z.string(), z.unknown()).default({}),
    /** Replaces a chat prompt's `{role: "placeholder", name: "history"}` message. */
    history: z.array(chatHistoryMessageSchema).max(1000).optional(),
  })
  .strict()
  .refine((body) => body.version === undefined || body.label === undefined, {
    path: ['label'],
    message: 'give version or label, not both',
  });
export type RenderPromptRequest = z.input<typeof renderPromptRequestSchema>;

export const renderedPromptSchema = z.object({
  prompt: z.object({ name: z.string(), version: z.number().int() }),
  kind: z.enum(['text', 'chat']),
  /** Text prompts; null for chat prompts. */
  text: z.string().nullable(),
  /** Chat prompts (the history in place of its placeholder); null for text prompts. */
  messages: z.array(chatHistoryMessageSchema).nullable(),
  model: promptModelConfigSchema.nullable(),
});
export type RenderedPrompt = z.infer<typeof renderedPromptSchema>;

/** `GET /v1/prompts/{name}/diff?from=&to=`: each side a version number or a label. */
export const promptDiffSchema = z.object({
  name: z.string(),
  from: z.number().int(),
  to: z.number().int(),
  kind: z.object({ from: z.enum(['text', 'chat']), to: z.enum(['text', 'chat']) }),
  template: z.object({
    changed: z.boolean(),
    /** A unified diff of the template lines (chat messages as `[role]` blocks); '' when unchanged. */
    unified: z.string(),
  }),
  variables: z.object({
    added: z.array(z.string()),
    removed: z.array(z.string()),
    changed: z.array(
      z.object({
        name: z.string(),
        from: promptVariableSchema,
        to: promptVariableSchema,
        required: z.object({ from: z.boolean(), to: z.boolean() }),
      }),
    ),
  }),
  model: z.object({
    changed: z.boolean(),
    from: promptModelConfigSchema.nullable(),
    to: promptModelConfigSchema.nullable(),
  }),
});
export type PromptDiff = z.infer<typeof promptDiffSchema>;
