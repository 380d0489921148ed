import type {
  TokenUsage as BedrockTokenUsage,
  ContentBlock,
  ConverseStreamCommandInput,
  InferenceConfiguration,
  Message,
  SystemContentBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { ApiError } from '../../core/api-error.js';
import type { ChatContentPart, ChatMessage, ChatRequest, TokenUsage } from '../../ports/chat-model.js';

/** Converse and ConverseStream take the same input. */
export type ConverseInput = ConverseStreamCommandInput;

/**
 * An OpenAI chat request as a Converse input. system/developer messages become `system` blocks (Bedrock
 * has no mid-conversation system turn, so their position is lost); user/assistant messages become
 * `messages`, consecutive same-role turns merged since Converse requires alternation; blank text is
 * left out because Bedrock rejects blank blocks.
 *
 * Mapped into `inferenceConfig`: max_completion_tokens (or max_tokens), temperature, top_p, stop.
 * Rejected with INVALID_REQUEST, because ignoring them would give a silently different answer: n > 1,
 * `tools`, tool messages, assistant `tool_calls`, and non-text content parts (images, audio, files).
 * Dropped: every other field, e.g. seed, user, stream, stream_options, logprobs, top_logprobs,
 * presence_penalty, frequency_penalty, logit_bias, response_format, tool_choice, parallel_tool_calls,
 * and provider extensions such as top_k, min_p, repetition_penalty.
 */
export function toConverseInput(request: ChatRequest, modelId: string): ConverseInput {
  if (typeof request.n === 'number' && request.n > 1) {
    throw new ApiError('INVALID_REQUEST', 'n: Bedrock targets return one choice; n must be 1.');
  }
  if (Array.isArray(request.tools) && request.tools.length > 0) {
    throw new ApiError('INVALID_REQUEST', 'tools: tool calling is not supported for Bedrock targets.');
  }
  if (!Array.isArray(request.messages)) {
    throw new ApiError('INVALID_REQUEST', 'messages: must be an array of chat messages.');
  }

  const system: SystemContentBlock[] = [];
  const messages: Message[] = [];
  request.messages.forEach((message, i) => {
    const where = `messages[${i}]`;
    if (message.role === 'tool' || (message.tool_calls && message.tool_calls.length > 0)) {
      throw new ApiError(
        'INVALID_REQUEST',
        `${where}: tool calls and tool results are not supported for Bedrock targets.`,
      );
    }
    const texts = textsOf(message, where);
    if (message.role === 'system' || message.role === 'developer') {
      for (const text of texts) system.push({ text });
      return;
    }
    if (message.role !== 'user' && message.role !== 'assistant') {
      throw new ApiError('INVALID_REQUEST', `${where}.role: unknown role "${String(message.role)}".`);
    }
    if (texts.length === 0) return;
    const content: ContentBlock[] = texts.map((text) => ({ text }));
    const previous = messages.at(-1);
    if (previous?.role === message.role) previous.content?.push(...content);
    else messages.push({ role: message.role, content });
  });
  if (messages.length === 0) {
    throw new ApiError(
      'INVALID_REQUEST',
      'messages: at least one user or assistant message with text is required.',
    );
  }

  const inferenceConfig: InferenceConfiguration = {};
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === 'number') inferenceConfig.maxTokens = maxTokens;
  if (typeof request.temperature === 'number') inferenceConfig.temperature = request.temperature;
  if (typeof request.top_p === 'number') inferenceConfig.topP = request.top_p;
  const stop = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (Array.isArray(stop) && stop.length > 0) inferenceConfig.stopSequences = stop;

  return {
    modelId,
    messages,
    ...(system.length > 0 && { system }),
    ...(Object.keys(inferenceConfig).length > 0 && { inferenceConfig }),
  };
}

function textsOf(message: ChatMessage, where: string): string[] {
  const { content } = message;
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content.trim() === '' ? [] : [content];
  if (!Array.isArray(content)) {
    throw new ApiError('INVALID_REQUEST', `${where}.content: must be a string or an array of content parts.`);
  }
  return content.flatMap((part: ChatContentPart, j) => {
    if (part?.type !== 'text' || typeof part.text !== 'string') {
      throw new ApiError(
        'INVALID_REQUEST',
        `${where}.content[${j}]: only text content parts are supported for Bedrock targets, not "${String(part?.type)}".`,
      );
    }
    return part.text.trim() === '' ? [] : [part.text];
  });
}

/** Bedrock's stopReason as an OpenAI finish_reason. */
export function finishReasonOf(stopReason: string | undefined): string {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'content_filtered':
    case 'guardrail_intervened':
      return 'content_filter';
    case 'tool_use':
      return 'tool_calls';
    default:
      // end_turn, stop_sequence, and reasons OpenAI has no word for (malformed_model_output, ...).
      return 'stop';
  }
}

/**
 * Bedrock's `inputTokens` leaves out the tokens read from and written to the prompt cache (its
 * totalTokens adds them back), whereas OpenAI's prompt_tokens includes cached tokens.
 */
export function usageOf(usage: BedrockTokenUsage | undefined): TokenUsage | null {
  if (!usage || typeof usage.inputTokens !== 'number' || typeof usage.outputTokens !== 'number') return null;
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  return {
    inputTokens: usage.inputTokens + cacheRead + cacheWrite,
    outputTokens: usage.outputTokens,
    cachedInputTokens: cacheRead,
    reasoningTokens: 0,
  };
}

/** TokenUsage in the shape of an OpenAI `usage` object. */
export function openAiUsage(usage: TokenUsage): Record<string, unknown> {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedInputTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}
