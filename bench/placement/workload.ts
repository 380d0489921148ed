import type { ChatRequest } from '../../packages/server/src/ports/chat-model.js';
import type { Rng } from '../lib/random.js';
import type { SimRequest } from './sim-replica.js';

export interface WorkloadSpec {
  tenants: number;
  /** Tenant popularity: P(tenant k) ~ 1 / k^zipf. */
  zipf: number;
  /** Uniform ranges, in tokens. */
  prefixTokens: [number, number];
  userTokens: [number, number];
  outputTokens: [number, number];
}

const WORDS = ['policy', 'account', 'refund', 'shipping', 'invoice', 'escalate', 'warranty', 'contract'];

/**
 * Many tenants, each with one long system prompt shared by all its requests (its text is real, so the
 * gateway's prefixKeyOf sees what it would see: about 4 characters per token), a short user message
 * and a short answer. Arrival times are the caller's.
 */
export function buildWorkload(spec: WorkloadSpec, rng: Rng) {
  const uniform = ([lo, hi]: [number, number]) => Math.floor(lo + rng() * (hi - lo + 1));
  const tenants = Array.from({ length: spec.tenants }, (_, k) => {
    const tokens = uniform(spec.prefixTokens);
    let text = `You are the assistant of tenant ${k}. `;
    while (text.length < tokens * 4) text += `${WORDS[Math.floor(rng() * WORDS.length)]} `;
    return { tokens, text };
  });
  const weights = tenants.map((_, k) => 1 / (k + 1) ** spec.zipf);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of weights) {
    acc += w / total;
    cumulative.push(acc);
  }

  const requests: SimRequest[] = [];
  return {
    request: (id: number) => requests[id],
    next(id: number, arrival: number): { request: SimRequest; chat: ChatRequest } {
      const u = rng();
      let k = cumulative.findIndex((c) => c >= u);
      if (k < 0) k = tenants.length - 1;
      const tenant = tenants[k] as { tokens: number; text: string };
      const user = uniform(spec.userTokens);
      const request: SimRequest = {
        id,
        arrival,
        prefixId: k,
        prefixTokens: tenant.tokens,
        promptTokens: tenant.tokens + user,
        outputTokens: uniform(spec.outputTokens),
      };
      requests[id] = request;
      const chat: ChatRequest = {
        model: 'meta-llama/Llama-3.1-8B-Instruct',
        messages: [
          { role: 'system', content: tenant.text },
          { role: 'user', content: `Question ${id}: ${'x'.repeat(user * 4)}` },
        ],
      };
      return { request, chat };
    },
  };
}
