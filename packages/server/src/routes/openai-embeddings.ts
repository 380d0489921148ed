import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../core/api-error.js';
import { toEmbedderApiError } from '../services/embedders/resolve-embedder.js';
import { assertModelAllowed } from '../services/keys/model-patterns.js';
import { callerOf } from '../services/metering/caller.js';
import { flushAfterCall } from '../services/metering/flush-after-call.js';
import { meteredEmbedding } from '../services/metering/meter-embedding.js';
import { parseBody, readJson } from './validate.js';

const embeddingsBody = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
});

/**
 * OpenAI's embeddings endpoint, served by the configured embedders (`model` = embedder name, which a
 * key's model allow-list must cover).
 */
export const openAIEmbeddingRoutes = new Hono().post('/embeddings', async (c) => {
  const body = parseBody(embeddingsBody, await readJson(c.req));
  assertModelAllowed(c.get('principal').allowedModels, body.model);
  const embedder = c.get('deps').embedders.get(body.model);
  if (!embedder) {
    throw new ApiError('NOT_FOUND', `The model \`${body.model}\` does not exist`, {
      details: { field: 'model' },
    });
  }
  const texts = typeof body.input === 'string' ? [body.input] : body.input;
  const principal = c.get('principal');
  const { result, record } = await meteredEmbedding(
    c.get('deps').costs,
    { caller: callerOf(principal), requestId: c.get('requestId'), kind: 'embedding', embedder, texts },
    async () => {
      try {
        return await embedder.embed(texts, { signal: c.req.raw.signal, purpose: 'document' });
      } catch (error) {
        throw toEmbedderApiError(embedder, error);
      }
    },
  );
  if (record && record.costBasis !== 'unpriced') c.header('x-ragline-cost-micros', String(record.costMicros));
  await flushAfterCall(c, c.get('deps').costs);
  if (body.dimensions !== undefined && body.dimensions !== result.dimensions) {
    throw new ApiError(
      'INVALID_REQUEST',
      `dimensions: embedder "${embedder.name}" produces ${result.dimensions} dimensions, not ${body.dimensions}`,
    );
  }
  const base64 = body.encoding_format === 'base64';
  return c.json({
    object: 'list',
    data: result.vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? toBase64Float32(vector) : vector,
    })),
    model: body.model,
    usage: { prompt_tokens: result.usage.inputTokens, total_tokens: result.usage.inputTokens },
  });
});

/** Little-endian float32 bytes in base64, as OpenAI sends with `encoding_format: "base64"`. */
function toBase64Float32(vector: number[]): string {
  const bytes = new Uint8Array(new Float32Array(vector).buffer);
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i] as number);
  return btoa(binary);
}
