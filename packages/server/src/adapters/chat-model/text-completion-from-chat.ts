import { ApiError } from '../../core/api-error.js';
import type {
  ChatResult,
  ChatStreamPart,
  CompletionRequest,
  CompletionResult,
  CompletionStreamPart,
  TextCompletion,
} from '../../ports/chat-model.js';

/**
 * Legacy completions for targets whose protocol takes one text and answers one text (Triton's generate
 * extension, Bedrock Converse): the adapter runs its chat path on the prompt and these helpers turn the
 * request into that one text and the chat answer into `text_completion` objects.
 */

/**
 * The request's prompt as one text. Refused with INVALID_REQUEST, naming the field, because the answer
 * would silently differ otherwise: a batch of prompts or token ids (one text per call), `echo` and
 * `suffix` (the target cannot place the prompt or a suffix around its output), `best_of` > 1.
 */
export function singleTextPrompt(
  request: CompletionRequest,
  targetLabel: string,
  options: { nonBlank?: boolean } = {},
): string {
  const { prompt } = request;
  let text: string | undefined;
  if (typeof prompt === 'string') text = prompt;
  else if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') text = prompt[0];
  else if (Array.isArray(prompt) && prompt.some((item) => typeof item !== 'string')) {
    throw new ApiError('INVALID_REQUEST', `prompt: ${targetLabel} takes text, not token ids`);
  } else {
    throw new ApiError(
      'INVALID_REQUEST',
      `prompt: ${targetLabel} takes one prompt per request; send a string, or one request per prompt`,
    );
  }
  if (options.nonBlank && text.trim() === '') {
    throw new ApiError('INVALID_REQUEST', `prompt: ${targetLabel} needs a prompt that is not blank`);
  }
  if (request.echo === true) {
    throw new ApiError('INVALID_REQUEST', `echo: ${targetLabel} cannot echo the prompt`);
  }
  if (typeof request.suffix === 'string' && request.suffix !== '') {
    throw new ApiError('INVALID_REQUEST', `suffix: ${targetLabel} does not support a suffix`);
  }
  if (typeof request.best_of === 'number' && request.best_of > 1) {
    throw new ApiError('INVALID_REQUEST', `best_of: ${targetLabel} returns one choice; best_of must be 1`);
  }
  return text;
}

/** A `chat.completion` result as a `text_completion` one: the assistant content becomes the text. */
export function textCompletionResult(result: ChatResult): CompletionResult {
  const { completion } = result;
  return {
    completion: {
      id: completionIdOf(completion.id),
      object: 'text_completion',
      created: completion.created,
      model: completion.model,
      choices: completion.choices.map((choice) => ({
        index: choice.index,
        text: choice.message.content ?? '',
        logprobs: null,
        finish_reason: choice.finish_reason,
      })),
      ...(completion.usage && { usage: completion.usage }),
    },
    usage: result.usage,
  };
}

/**
 * Chat stream parts as text completion parts: each content delta becomes a chunk with that text, the
 * finish reason rides on a last chunk of empty text (as OpenAI streams it), role-only chunks are
 * dropped and usage passes through. Failures and an early return reach the chat stream unchanged.
 */
export async function* textCompletionParts(
  parts: AsyncIterable<ChatStreamPart>,
): AsyncGenerator<CompletionStreamPart, void, undefined> {
  for await (const part of parts) {
    if (part.type === 'usage') {
      yield { type: 'usage', usage: part.usage };
      continue;
    }
    const { chunk } = part;
    const choices: TextCompletion['choices'] = [];
    for (const choice of chunk.choices) {
      const text = typeof choice.delta.content === 'string' ? choice.delta.content : '';
      if (text === '' && choice.finish_reason == null) continue;
      choices.push({ index: choice.index, text, logprobs: null, finish_reason: choice.finish_reason });
    }
    if (choices.length === 0) continue;
    yield {
      type: 'chunk',
      chunk: {
        id: completionIdOf(chunk.id),
        object: 'text_completion',
        created: chunk.created,
        model: chunk.model,
        choices,
      },
    };
  }
}

/** `chatcmpl-<x>` as `cmpl-<x>`, the prefix OpenAI and vLLM give text completions. */
function completionIdOf(chatId: string): string {
  return chatId.startsWith('chatcmpl-') ? `cmpl-${chatId.slice('chatcmpl-'.length)}` : chatId;
}
