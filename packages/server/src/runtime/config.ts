import { z } from 'zod';
import { defaultChunking, defaultLimits } from '../deps.js';
import { GatewayConfigError, loadGatewayConfig } from '../services/gateway/config-load.js';
import type { GatewayConfig } from '../services/gateway/gateway-config.js';
import { loadConfigPrices, PriceConfigError } from '../services/pricing/config-prices.js';
import type { ParsedPriceBook } from '../services/pricing/price-book-input.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number) => z.coerce.number().int().min(min);

/** Extra embedders, as JSON in RAGLINE_EMBEDDERS. The built-in `local` embedder is always configured. */
const embedderConfigSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('transformers'),
    name: z.string().min(1),
    model: z.string().min(1),
  }),
  z.object({
    kind: z.literal('openai-compatible'),
    name: z.string().min(1),
    baseURL: z.url(),
    model: z.string().min(1),
    apiKey: z.string().optional(),
    dimensions: z.number().int().positive().optional(),
    batchSize: z.number().int().positive().optional(),
  }),
  z.object({
    kind: z.literal('bedrock'),
    name: z.string().min(1),
    model: z.string().min(1),
    region: z.string().min(1),
    dimensions: z.number().int().positive().optional(),
  }),
]);
export type EmbedderSetting = z.infer<typeof embedderConfigSchema>;

const envSchema = z.object({
  PORT: int(0).max(65535).default(8787),
  HOST: z.string().default('127.0.0.1'),
  RAGLINE_DATA_DIR: z.string().default('./.ragline'),
  RAGLINE_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  RAGLINE_DATABASE_URL: z.string().optional(),
  RAGLINE_DATABASE_AUTH_TOKEN: z.string().optional(),
  RAGLINE_VECTOR_STORE: z.enum(['lancedb', 'qdrant']).default('lancedb'),
  QDRANT_URL: z.url().optional(),
  QDRANT_API_KEY: z.string().optional(),
  RAGLINE_EMBEDDING_MODEL: z.string().default('Xenova/bge-small-en-v1.5'),
  RAGLINE_ALLOW_REMOTE_MODELS: bool.default(true),
  RAGLINE_EMBEDDERS: z.string().optional(),
  RAGLINE_MAX_DOCUMENT_BYTES: int(1).default(defaultLimits.maxDocumentBytes),
  RAGLINE_MAX_BATCH_BYTES: int(1).default(defaultLimits.maxBatchBytes),
  RAGLINE_MAX_BATCH_DOCUMENTS: int(1).default(defaultLimits.maxBatchDocuments),
  RAGLINE_CHUNK_MAX_TOKENS: int(16).default(defaultChunking.maxTokens),
  RAGLINE_CHUNK_OVERLAP_TOKENS: int(0).default(defaultChunking.overlapTokens),
  RAGLINE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  RAGLINE_CONFIG: z.string().optional(),
  RAGLINE_CONFIG_YAML: z.string().optional(),
});

export interface ParseConfigOptions {
  /** Reads RAGLINE_CONFIG; defaults to node:fs where the runtime has it (Node, Lambda). */
  readFile?: (path: string) => string;
}

export type ServerConfig = ReturnType<typeof parseConfig>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment once; nothing below runtime/ reads process.env. */
export function parseConfig(env: Record<string, string | undefined>, options: ParseConfigOptions = {}) {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.RAGLINE_VECTOR_STORE === 'qdrant' && !e.QDRANT_URL) {
    throw new ConfigError('invalid configuration:\n  QDRANT_URL: required when RAGLINE_VECTOR_STORE=qdrant');
  }
  if (e.RAGLINE_CHUNK_OVERLAP_TOKENS >= e.RAGLINE_CHUNK_MAX_TOKENS) {
    throw new ConfigError(
      'invalid configuration:\n  RAGLINE_CHUNK_OVERLAP_TOKENS: must be below RAGLINE_CHUNK_MAX_TOKENS',
    );
  }
  const file = parseConfigFile(e.RAGLINE_CONFIG, e.RAGLINE_CONFIG_YAML, cleaned, options.readFile);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.RAGLINE_DATA_DIR,
    adminKey: e.RAGLINE_ADMIN_KEY ?? null,
    databaseUrl: e.RAGLINE_DATABASE_URL ?? null,
    databaseAuthToken: e.RAGLINE_DATABASE_AUTH_TOKEN ?? null,
    vectorStore: e.RAGLINE_VECTOR_STORE,
    qdrant: e.QDRANT_URL ? { url: e.QDRANT_URL, apiKey: e.QDRANT_API_KEY ?? null } : null,
    localEmbedding: { model: e.RAGLINE_EMBEDDING_MODEL, allowRemoteModels: e.RAGLINE_ALLOW_REMOTE_MODELS },
    embedders: parseEmbedders(e.RAGLINE_EMBEDDERS),
    limits: {
      maxDocumentBytes: e.RAGLINE_MAX_DOCUMENT_BYTES,
      maxBatchBytes: e.RAGLINE_MAX_BATCH_BYTES,
      maxBatchDocuments: e.RAGLINE_MAX_BATCH_DOCUMENTS,
    },
    chunking: { maxTokens: e.RAGLINE_CHUNK_MAX_TOKENS, overlapTokens: e.RAGLINE_CHUNK_OVERLAP_TOKENS },
    logLevel: e.RAGLINE_LOG_LEVEL,
    /**
     * Global, read-only gateway targets, pools and routes. API-managed routes live in the MetadataStore;
     * these routes are versioned there too, at startup (ADR 0006).
     */
    gateway: file.gateway,
    /**
     * The file's `prices:` section in micro-dollars; null without one. Synced into the stored price
     * book at startup (services/pricing/sync-config-prices.ts).
     */
    prices: file.prices,
  };
}

/**
 * RAGLINE_CONFIG is the path of the gateway YAML file (targets, pools, routes and prices). Runtimes
 * without a disk (Workers) can put the file's contents in RAGLINE_CONFIG_YAML instead. `${NAME}` in
 * apiKey/header values comes from `env`.
 */
function parseConfigFile(
  path: string | undefined,
  inline: string | undefined,
  env: Record<string, string | undefined>,
  readFile = readFileWithNodeFs,
): { gateway: GatewayConfig; prices: ParsedPriceBook | null } {
  if (path && inline) {
    throw new ConfigError(
      'invalid configuration:\n  RAGLINE_CONFIG: set either RAGLINE_CONFIG or RAGLINE_CONFIG_YAML',
    );
  }
  if (!path && !inline) return { gateway: { targets: [], pools: [], routes: [] }, prices: null };
  const source = path ? `RAGLINE_CONFIG (${path})` : 'RAGLINE_CONFIG_YAML';
  let text: string;
  if (path) {
    try {
      text = readFile(path);
    } catch (error) {
      throw new ConfigError(
        `invalid configuration:\n  ${source}: cannot read the file: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  } else {
    text = inline as string;
  }
  try {
    const gateway = loadGatewayConfig(text, { env });
    const prices = loadConfigPrices(
      text,
      gateway.targets.map((target) => target.id),
    );
    return { gateway, prices };
  } catch (error) {
    if (!(error instanceof GatewayConfigError) && !(error instanceof PriceConfigError)) throw error;
    const lines = error.issues.map((i) => `  ${source}: ${i}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`, { cause: error });
  }
}

function readFileWithNodeFs(path: string): string {
  // No static node:fs import: this module is also bundled for Workers, which read RAGLINE_CONFIG_YAML.
  const fs = globalThis.process?.getBuiltinModule?.('node:fs');
  if (!fs) throw new Error('this runtime has no file system; put the YAML in RAGLINE_CONFIG_YAML instead');
  return fs.readFileSync(path, 'utf8');
}

function parseEmbedders(raw: string | undefined): EmbedderSetting[] {
  if (!raw) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError('invalid configuration:\n  RAGLINE_EMBEDDERS: not valid JSON');
  }
  const parsed = z.array(embedderConfigSchema).safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  RAGLINE_EMBEDDERS[${i.path.join('.')}]: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const names = new Set<string>(['local']);
  for (const embedder of parsed.data) {
    if (names.has(embedder.name)) {
      throw new ConfigError(
        `invalid configuration:\n  RAGLINE_EMBEDDERS: duplicate embedder name "${embedder.name}"`,
      );
    }
    names.add(embedder.name);
  }
  return parsed.data;
}
