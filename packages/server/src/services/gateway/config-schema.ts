import { z } from 'zod';
import { DEFAULT_FALLBACK_ON } from './gateway-config.js';

/**
 * Zod schemas for the gateway configuration (the YAML file and the routes API). Objects are strict so a
 * misspelt key (`fallbackOn` as `fallback_on`) is an error, not a silently ignored setting. References
 * between entries (route -> target/pool, pool -> replicas) are checked in config-references.ts.
 */

const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'use letters, digits and . _ : / -')
  .max(200);
const ms = z.number().int().positive();

export const timeoutsSchema = z.strictObject({
  connectMs: ms.optional(),
  firstTokenMs: ms.optional(),
  idleMs: ms.optional(),
  totalMs: ms.optional(),
});

export const targetConfigSchema = z.strictObject({
  id,
  kind: z.enum(['vllm', 'trtllm', 'triton', 'bedrock', 'openai-compatible']),
  model: z.string().min(1),
  baseURL: z.url({ protocol: /^https?$/ }).optional(),
  region: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  headers: z.record(z.string().min(1), z.string()).optional(),
  timeouts: timeoutsSchema.optional(),
  maxInFlight: z.number().int().positive().optional(),
  metricsURL: z.url({ protocol: /^https?$/ }).optional(),
  tokenizer: z.string().min(1).optional(),
  // Kind-specific options; config-references.ts says which kind each belongs to.
  streamUsage: z.boolean().optional(),
  modelVersion: z
    .union([z.string().regex(/^[1-9][0-9]*$/, 'a version number, e.g. "1"'), z.int().positive()])
    .transform(String)
    .optional(),
  defaultMaxTokens: z.number().int().positive().optional(),
  excludeInputInOutput: z.boolean().optional(),
  inputs: z.record(z.string().min(1), z.json()).optional(),
  promptTemplate: z
    .strictObject({
      begin: z.string().optional(),
      roles: z
        .strictObject({
          system: z.string().optional(),
          user: z.string().optional(),
          assistant: z.string().optional(),
          tool: z.string().optional(),
        })
        .optional(),
      separator: z.string().optional(),
      generationPrompt: z.string().optional(),
    })
    .optional(),
  credentials: z
    .strictObject({
      accessKeyId: z.string().min(1),
      secretAccessKey: z.string().min(1),
      sessionToken: z.string().min(1).optional(),
    })
    .optional(),
  profile: z.string().min(1).optional(),
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
});

export const poolConfigSchema = z.strictObject({
  id,
  replicas: z.array(id).min(1, 'a pool needs at least one replica'),
  placement: z.enum(['round-robin', 'least-loaded', 'prefix-affinity']).default('least-loaded'),
  spillover: z.strictObject({ target: id, maxPredictedFirstTokenMs: ms.optional() }).optional(),
});

const stickyBy = z
  .string()
  .regex(/^(user|header:[A-Za-z0-9!#$%&'*+.^_`|~-]+)$/, 'must be "user" or "header:<name>"')
  .transform((v) => v.toLowerCase() as 'user' | `header:${string}`);

export const routeConfigSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    strategy: z.enum(['single', 'weighted', 'fallback']).default('single'),
    targets: z
      .array(
        z.strictObject({
          ref: id,
          weight: z.number().finite().nonnegative().optional(),
          adapter: z.string().min(1).max(200).optional(),
        }),
      )
      .min(1, 'a route needs at least one target'),
    stickyBy: stickyBy.optional(),
    fallbackOn: z
      .strictObject({
        statuses: z.array(z.number().int().min(400).max(599)).optional(),
        connectionErrors: z.boolean().optional(),
        timeouts: z.boolean().optional(),
      })
      .optional(),
    retry: z
      .strictObject({
        attempts: z.number().int().min(0).max(10).default(0),
        maxRetryAfterMs: z.number().int().min(0).default(30_000),
      })
      .optional(),
    timeouts: timeoutsSchema.optional(),
    circuitBreaker: z
      .strictObject({
        failureThreshold: z.number().int().min(1).default(5),
        openMs: ms.default(30_000),
      })
      .optional(),
  })
  .transform(({ fallbackOn, ...route }) => ({
    ...route,
    // A fallback route always knows what to fall back on; partial settings fill in from the defaults.
    ...(fallbackOn || route.strategy === 'fallback'
      ? {
          fallbackOn: {
            statuses: fallbackOn?.statuses ?? [...DEFAULT_FALLBACK_ON.statuses],
            connectionErrors: fallbackOn?.connectionErrors ?? DEFAULT_FALLBACK_ON.connectionErrors,
            timeouts: fallbackOn?.timeouts ?? DEFAULT_FALLBACK_ON.timeouts,
          },
        }
      : {}),
  }));

export const gatewayConfigSchema = z.strictObject({
  targets: z.array(targetConfigSchema).default([]),
  pools: z.array(poolConfigSchema).default([]),
  routes: z.array(routeConfigSchema).default([]),
});

/** `['routes', 2, 'targets', 0, 'ref']` -> `routes[2].targets[0].ref`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** One line per zod issue, each starting with the path it concerns: `routes[0].strategy: Invalid option...`. */
export function formatZodIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): string[] {
  return error.issues.map((issue) => {
    const path = formatPath([...prefix, ...issue.path]);
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}
