import { z } from 'zod';
import { chatHistoryMessageSchema, promptNameSchema } from './prompts.js';
import { retrievalModeSchema } from './retrieval.js';

/** `generative`: a model writes the answer from the passages; `extractive`: the passages are the answer. */
export const answerModeSchema = z.enum(['generative', 'extractive']);
export type AnswerMode = z.infer<typeof answerModeSchema>;

/** Why an answer is extractive; see `extractiveReason` below. */
export const extractiveReasonSchema = z.enum(['requested', 'no-model', 'release-has-no-model']);
export type ExtractiveReason = z.infer<typeof extractiveReasonSchema>;

/** The prompt to answer with: a version, or the version a label points at (default `latest`). */
export const answerPromptRefSchema = z
  .strictObject({
    name: promptNameSchema,
    version: z.number().int().min(1).optional(),
    /** `latest` included. */
    label: z.string().min(1).max(63).optional(),
  })
  .refine((ref) => ref.version === undefined || ref.label === undefined, {
    message: 'give either version or label, not both',
    path: ['version'],
  });
export type AnswerPromptRef = z.infer<typeof answerPromptRefSchema>;

export const answerRetrievalSchema = z.strictObject({
  /** Defaults to hybrid for collections with an embedder, lexical otherwise. */
  mode: retrievalModeSchema.optional(),
  topK: z.number().int().min(1).max(1000).default(8),
  /** MongoDB-style metadata filter, as in queries. */
  filter: z.record(z.string(), z.unknown()).optional(),
  fusion: z
    .strictObject({
      k: z.number().int().min(1).max(1000).default(60),
      denseWeight: z.number().min(0).max(10).default(1),
      lexicalWeight: z.number().min(0).max(10).default(1),
    })
    .optional(),
});

/** Variables the server fills in itself; a caller cannot set them. */
export const ANSWER_RESERVED_VARIABLES = ['context', 'question'] as const;

/**
 * `POST /v1/answer`. Either `release` (an id or a release label: everything is pinned), or `collection`
 * with a `prompt` (and optionally `model`, a gateway route, and `retrieval` settings). Without a prompt
 * the answer is extractive: `{collection, question}` is enough.
 */
export const answerRequestSchema = z
  .strictObject({
    release: z.string().min(1).optional(),
    prompt: answerPromptRefSchema.optional(),
    /** A gateway route; default: the prompt's model config. */
    model: z.string().min(1).optional(),
    collection: z.string().min(1).optional(),
    retrieval: answerRetrievalSchema.optional(),
    question: z.string().trim().min(1, 'must not be empty').max(8192),
    variables: z.record(z.string(), z.unknown()).optional(),
    /** Earlier turns, for chat prompts with a history placeholder. */
    history: z.array(chatHistoryMessageSchema).max(1000).optional(),
    stream: z.boolean().optional(),
    /**
     * Default: generative when a model is configured, else extractive. A release that pins no model
     * answers extractively only (`generative` is a 400).
     */
    mode: answerModeSchema.optional(),
    /** The answer's max_tokens; default: the prompt's model config, else 1024. */
    maxTokens: z.number().int().min(1).max(1_000_000).optional(),
    /** The model's context window in tokens; default: the prompt's model config, else 8192. */
    contextWindow: z.number().int().min(256).max(10_000_000).optional(),
  })
  .superRefine((body, ctx) => {
    const fail = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    if (body.release !== undefined) {
      for (const field of ['prompt', 'model', 'collection', 'retrieval'] as const) {
        if (body[field] !== undefined) fail(field, 'not allowed with `release`, which pins it');
      }
    } else {
      if (body.collection === undefined) fail('collection', 'required without `release`');
      // No prompt: an extractive answer; a model or a generative answer needs one.
      if (body.prompt === undefined && body.mode !== 'extractive') {
        if (body.model !== undefined) fail('prompt', 'required with `model`');
        else if (body.mode === 'generative') fail('prompt', 'required for mode "generative"');
      }
    }
    for (const name of ANSWER_RESERVED_VARIABLES) {
      if (body.variables && name in body.variables) fail(`variables.${name}`, 'is filled in by the server');
    }
  });
export type AnswerRequest = z.input<typeof answerRequestSchema>;
export type AnswerRequestParsed = z.output<typeof answerRequestSchema>;

/** A passage given to the model: `text` is the document's text sliced by [start, end). */
export const answerCitationSchema = z.object({
  /** The passage's number in the context, as the answer cites it: `[1]`. */
  ref: z.number().int().min(1),
  documentId: z.string(),
  chunkId: z.string(),
  start: z.number().int(),
  end: z.number().int(),
  text: z.string(),
  score: z.number(),
  headingPath: z.array(z.string()),
  /** The answer references `[ref]` (extractive answers cite every passage they quote). */
  cited: z.boolean(),
});
export type AnswerCitation = z.infer<typeof answerCitationSchema>;

export const answerUsageSchema = z.object({
  /** Prompt tokens of the model call (0 in extractive mode). */
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  /** `upstream`: the model reported them; `estimated`: Ragline counted (heuristic); `none`: no model call. */
  source: z.enum(['upstream', 'estimated', 'none']),
  /** Tokens of the question's embedding, for dense and hybrid retrieval. */
  embeddingTokens: z.number().int(),
  /** Estimated tokens of the packed context (core/token-count heuristic) and the budget it fitted. */
  contextTokens: z.number().int(),
  contextBudget: z.number().int(),
});
export type AnswerUsage = z.infer<typeof answerUsageSchema>;

export const answerCostSchema = z.object({
  micros: z.number().int(),
  /** "0.000123", exact. */
  dollars: z.string(),
  /** `tokens`, `gpu-time`, or `unpriced` (no price matched, or nothing metered). */
  basis: z.enum(['tokens', 'gpu-time', 'unpriced']),
});
export type AnswerCost = z.infer<typeof answerCostSchema>;

const answerHeadSchema = z.object({
  id: z.string(),
  mode: answerModeSchema,
  /**
   * Why the answer is extractive: `requested`, `no-model` (no model is configured), or
   * `release-has-no-model` (the release pins no model).
   */
  extractiveReason: extractiveReasonSchema.nullable(),
  release: z.object({ id: z.string() }).nullable(),
  prompt: z.object({ name: z.string(), version: z.number().int() }).nullable(),
  model: z
    .object({
      route: z.string(),
      routeVersion: z.number().int().nullable(),
      /** The target that served the call and its upstream model (unknown before the call in streams). */
      target: z.string().nullable(),
      upstreamModel: z.string().nullable(),
    })
    .nullable(),
});

export const answerResponseSchema = answerHeadSchema.extend({
  answer: z.string(),
  citations: z.array(answerCitationSchema),
  usage: answerUsageSchema,
  cost: answerCostSchema,
});
export type AnswerResponse = z.infer<typeof answerResponseSchema>;

/** `event: citations`, first, before any token: the passages the model was given (`cited` still false). */
export const answerCitationsEventSchema = answerHeadSchema.extend({
  citations: z.array(answerCitationSchema),
});
/** `event: token`: the next piece of the answer. */
export const answerTokenEventSchema = z.object({ text: z.string() });
/** `event: done`: the whole answer, the refs it cites, usage and cost. Only after a complete answer. */
export const answerDoneEventSchema = z.object({
  id: z.string(),
  answer: z.string(),
  cited: z.array(z.number().int()),
  usage: answerUsageSchema,
  cost: answerCostSchema,
});
/** `event: error`: the answer failed after it began; no `done` follows. */
export const answerErrorEventSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), requestId: z.string() }),
});

export type AnswerStreamEvent =
  | ({ type: 'citations' } & z.infer<typeof answerCitationsEventSchema>)
  | ({ type: 'token' } & z.infer<typeof answerTokenEventSchema>)
  | ({ type: 'done' } & z.infer<typeof answerDoneEventSchema>)
  | ({ type: 'error' } & z.infer<typeof answerErrorEventSchema>);
