import { Hono } from 'hono';
import { z } from 'zod';
import type { CompletionRequest } from '../ports/chat-model.js';
import { estimateCompletionInputTokens } from '../services/metering/usage-estimate.js';
import { serveThroughGateway } from './gateway-call.js';
import { parseBody, readJson } from './validate.js';

const tokenIds = z.array(z.number().int().min(0)).min(1);
const completionBody = z.looseObject({
  model: z.string().min(1),
  // OpenAI's four forms. A missing or null prompt (OpenAI's `<|endoftext|>` default) is refused: vLLM and
  // trtllm-serve require one, and an answer from nothing is rarely what a caller meant.
  prompt: z.union([z.string(), z.array(z.string()).min(1), tokenIds, z.array(tokenIds).min(1)], {
    error: 'expected a string, an array of strings, an array of token ids or an array of token-id arrays',
  }),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  user: z.string().optional(),
  max_tokens: z.number().int().nullish(),
});

/**
 * OpenAI's legacy completions endpoint; `model` names a gateway route. Routed exactly like chat; each
 * target kind's adapter decides how a prompt reaches its upstream (see ChatModel.complete).
 */
export const completionRoutes = new Hono().post('/completions', async (c) => {
  const started = performance.now();
  const body = parseBody(completionBody, await readJson(c.req));
  return serveThroughGateway(c, started, body, {
    call: (router, routed) => router.complete({ ...routed, request: body as CompletionRequest }),
    json: (result) => result.completion,
    usageChunk: { object: 'text_completion', idPrefix: 'cmpl' },
    metering: {
      kind: 'completion',
      inputTokens: (estimator) => estimateCompletionInputTokens(body.prompt, estimator),
      maxOutputTokens: () =>
        typeof body.max_tokens === 'number' && body.max_tokens > 0 ? body.max_tokens : null,
      resultText: (result) => result.completion.choices.map((choice) => choice.text).join(''),
      resultUsage: (result) => result.usage,
      chunkText: (chunk) => chunk.choices.map((choice) => choice.text ?? '').join(''),
    },
  });
});
