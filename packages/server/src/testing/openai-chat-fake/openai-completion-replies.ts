/**
 * Response bodies of the OpenAI-compatible fakes' legacy `POST /v1/completions`, per flavour: vLLM after
 * shared/specs/vllm-samples.md §4 (copied) and vLLM's `completion/serving.py` for the stream (the last
 * text chunk carries the finish reason; the usage chunk has `choices: []`), trtllm-serve after its
 * CompletionResponse models, OpenAI after the CreateCompletionResponse example of its OpenAPI file (a
 * separate empty-text chunk carries the finish reason; chunks have `usage: null` when usage is asked).
 */
import type { ChatFlavour } from './openai-chat-replies.js';

export interface CompletionAnswer {
  id: string;
  created: number;
  model: string;
  /** One entry per prompt; each prompt gets `n` choices, indexed `prompt * n + j` as vLLM does. */
  prompts: PromptAnswer[];
  n: number;
}

interface PromptAnswer {
  /** The text echoed before the answer (`echo: true`), else ''. */
  echo: string;
  /** The answer's tokens; their concatenation is the text. A token is a word with its leading whitespace. */
  tokens: string[];
  finishReason: 'stop' | 'length';
  promptTokens: number;
}

interface CompletionRequestLike {
  model: string;
  prompt: unknown;
  max_tokens?: number | null;
  n?: number | null;
  echo?: boolean | null;
}

/**
 * The fake's deterministic answer to each prompt: "You prompted: <prompt>" ("<k> token ids" for a
 * token prompt), prefixed with the adapter for a LoRA model, cut at `max_tokens` (vLLM and OpenAI
 * default to 16; trtllm-serve to no limit).
 */
export function completionAnswerFor(
  flavour: ChatFlavour,
  request: CompletionRequestLike,
  id: string,
  created: number,
  loraAdapter?: string,
): CompletionAnswer {
  const limit = request.max_tokens ?? (flavour === 'trtllm' ? Number.POSITIVE_INFINITY : 16);
  const prompts = promptsOf(request.prompt).map((prompt): PromptAnswer => {
    const said = typeof prompt === 'string' ? prompt : `${prompt.length} token ids`;
    const all = `${loraAdapter ? `(${loraAdapter}) ` : ''}You prompted: ${said}`.match(/\s*\S+/g) ?? [];
    const tokens = all.slice(0, Math.max(0, limit));
    return {
      echo: request.echo === true && typeof prompt === 'string' ? prompt : '',
      tokens,
      finishReason: tokens.length < all.length ? 'length' : 'stop',
      promptTokens: typeof prompt === 'string' ? wordCount(prompt) + 1 : prompt.length,
    };
  });
  return { id, created, model: request.model, prompts, n: Math.max(1, request.n ?? 1) };
}

function promptsOf(prompt: unknown): Array<string | number[]> {
  if (typeof prompt === 'string') return [prompt];
  if (!Array.isArray(prompt)) return [''];
  if (prompt.every((item) => typeof item === 'number')) return [prompt as number[]];
  return prompt as Array<string | number[]>;
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Each choice in index order, with its prompt's answer. */
function choicesOf(answer: CompletionAnswer): Array<{ index: number; prompt: PromptAnswer }> {
  return answer.prompts.flatMap((prompt, p) =>
    Array.from({ length: answer.n }, (_, j) => ({ index: p * answer.n + j, prompt })),
  );
}

export function completionUsageOf(flavour: ChatFlavour, answer: CompletionAnswer): Record<string, unknown> {
  const promptTokens = answer.prompts.reduce((sum, p) => sum + p.promptTokens, 0);
  const completion = answer.prompts.reduce((sum, p) => sum + p.tokens.length * answer.n, 0);
  const total = promptTokens + completion;
  switch (flavour) {
    case 'vllm':
      return { prompt_tokens: promptTokens, total_tokens: total, completion_tokens: completion };
    case 'trtllm':
      return {
        prompt_tokens: promptTokens,
        total_tokens: total,
        completion_tokens: completion,
        prompt_tokens_details: { cached_tokens: 0 },
      };
    case 'openai':
      return { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: total };
  }
}

/** A non-streaming `text_completion` body. */
export function textCompletionBody(flavour: ChatFlavour, answer: CompletionAnswer): Record<string, unknown> {
  const head = { id: answer.id, object: 'text_completion', created: answer.created, model: answer.model };
  const text = (prompt: PromptAnswer) => prompt.echo + prompt.tokens.join('');
  const choices = choicesOf(answer);
  switch (flavour) {
    case 'vllm':
      return {
        ...head,
        choices: choices.map(({ index, prompt }) => ({
          index,
          text: text(prompt),
          logprobs: null,
          finish_reason: prompt.finishReason,
          stop_reason: null,
        })),
        usage: completionUsageOf('vllm', answer),
      };
    case 'trtllm':
      return {
        ...head,
        choices: choices.map(({ index, prompt }) => ({
          index,
          text: text(prompt),
          token_ids: null,
          logprobs: null,
          context_logits: null,
          finish_reason: prompt.finishReason,
          stop_reason: null,
          disaggregated_params: null,
          avg_decoded_tokens_per_iter: null,
        })),
        usage: completionUsageOf('trtllm', answer),
        prompt_token_ids: null,
      };
    case 'openai':
      return {
        ...head,
        choices: choices.map(({ index, prompt }) => ({
          text: text(prompt),
          index,
          logprobs: null,
          finish_reason: prompt.finishReason,
        })),
        usage: completionUsageOf('openai', answer),
      };
  }
}

export interface CompletionStreamShape {
  /** Add `usage: null` to every chunk (OpenAI with include_usage). */
  usageNull: boolean;
  /** Usage on every chunk (vLLM `continuous_usage_stats`). */
  continuousUsage: boolean;
  /** The final `choices: []` usage chunk. */
  usageChunk: boolean;
}

/**
 * The JSON texts of the `data:` frames of a completion stream, before `[DONE]`: one chunk per token per
 * choice (the echoed prompt rides on the first), the finish reason on the last token's chunk (vLLM,
 * trtllm) or on a chunk of its own with empty text (OpenAI), then the usage chunk when asked.
 */
export function completionStreamFrames(
  flavour: ChatFlavour,
  answer: CompletionAnswer,
  shape: CompletionStreamShape,
): string[] {
  const head = { id: answer.id, object: 'text_completion', created: answer.created, model: answer.model };
  const frames: string[] = [];
  const choices = choicesOf(answer);
  const sent = new Map<number, number>();
  const push = (index: number, prompt: PromptAnswer, text: string, finish: string | null) => {
    const choice =
      flavour === 'openai'
        ? { text, index, logprobs: null, finish_reason: finish }
        : { index, text, logprobs: null, finish_reason: finish, stop_reason: null };
    const chunk: Record<string, unknown> = { ...head, choices: [choice] };
    if (shape.continuousUsage) {
      const completionTokens = sent.get(index) ?? 0;
      chunk.usage = {
        prompt_tokens: prompt.promptTokens,
        total_tokens: prompt.promptTokens + completionTokens,
        completion_tokens: completionTokens,
      };
    } else if (shape.usageNull) {
      chunk.usage = null;
    }
    frames.push(JSON.stringify(chunk));
  };
  const longest = Math.max(0, ...answer.prompts.map((p) => p.tokens.length));
  for (let t = 0; t < Math.max(1, longest); t++) {
    for (const { index, prompt } of choices) {
      if (t >= Math.max(1, prompt.tokens.length)) continue;
      sent.set(index, Math.min(t + 1, prompt.tokens.length));
      const text = (t === 0 ? prompt.echo : '') + (prompt.tokens[t] ?? '');
      const last = t === Math.max(1, prompt.tokens.length) - 1;
      push(index, prompt, text, last && flavour !== 'openai' ? prompt.finishReason : null);
    }
  }
  if (flavour === 'openai') {
    for (const { index, prompt } of choices) push(index, prompt, '', prompt.finishReason);
  }
  if (shape.usageChunk) {
    frames.push(JSON.stringify({ ...head, choices: [], usage: completionUsageOf(flavour, answer) }));
  }
  return frames;
}

/** A streamed completion chunk cut off inside its JSON (a malformed frame). */
export function malformedCompletionFrame(answer: CompletionAnswer): string {
  return `{"id":"${answer.id}","object":"text_completion","created":${answer.created},"choices":[{"index":0,"text":"tru`;
}
