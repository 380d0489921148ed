import { z } from 'zod';

/** Every error code the server can answer with, and the HTTP status it maps to. */
export const errorStatusByCode = {
  INVALID_REQUEST: 400,
  INVALID_JSON: 400,
  INVALID_METADATA: 400,
  UNAUTHENTICATED: 401,
  /** A hard budget of the tenant or key has no room for the call (details name the budget). */
  BUDGET_EXCEEDED: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  COLLECTION_NOT_FOUND: 404,
  DOCUMENT_NOT_FOUND: 404,
  CONFLICT: 409,
  EMBEDDER_MISMATCH: 409,
  /** The promotion policy refused a label move (`details.decision` says why); retrying cannot help. */
  PROMOTION_REFUSED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_CONTENT_TYPE: 415,
  UNPROCESSABLE_DOCUMENT: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UPSTREAM_ERROR: 502,
  EMBEDDER_UNAVAILABLE: 503,
  /** The feature needs a part this server does not run (the message says which). */
  SERVICE_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof errorStatusByCode;

export const errorEnvelopeSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;
