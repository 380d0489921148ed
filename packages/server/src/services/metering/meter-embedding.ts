import { countTokens } from '../../core/token-count.js';
import type { MeteredKind, UsageRecord } from '../../ports/cost-repositories.js';
import type { Embedder, EmbedResult } from '../../ports/embedder.js';
import type { CostServices } from './cost-services.js';
import type { MeterCaller } from './meter.js';

export interface EmbeddingCall {
  caller: MeterCaller;
  requestId: string;
  seq?: number;
  kind: Extract<MeteredKind, 'embedding' | 'ingest-embedding'>;
  embedder: Embedder;
  texts: readonly string[];
}

/**
 * Runs embedding calls under the meter: reserves the estimated cost of `texts` (a hard budget refuses
 * with 402 before the embedder is called), then records the tokens the embedder reported. Without cost
 * services it only runs `embed`.
 */
export async function meteredEmbedding<T extends { usage: EmbedResult['usage'] }>(
  costs: CostServices | undefined,
  call: EmbeddingCall,
  embed: () => Promise<T>,
): Promise<{ result: T; record: UsageRecord | null }> {
  if (!costs) return { result: await embed(), record: null };
  let estimate = 0;
  for (const text of call.texts) estimate += countTokens(text);
  const ticket = await costs.meter.begin({
    caller: call.caller,
    requestId: call.requestId,
    ...(call.seq !== undefined && { seq: call.seq }),
    kind: call.kind,
    candidates: [{ target: null, model: call.embedder.model }],
    inputTokens: estimate,
    maxOutputTokens: 0,
    stream: false,
  });
  let result: T;
  try {
    result = await embed();
  } catch (error) {
    ticket.abandon();
    throw error;
  }
  const record = ticket.finish({
    target: null,
    model: call.embedder.model,
    usage: {
      inputTokens: result.usage.inputTokens,
      outputTokens: 0,
      cachedInputTokens: 0,
      reasoningTokens: 0,
    },
    outcome: 'ok',
  });
  return { result, record };
}
