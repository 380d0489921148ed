import { ApiError } from '../../core/api-error.js';
import type { ChatMessage } from '../../ports/chat-model.js';

/**
 * How chat messages become Triton's single `text_input` string. The result is:
 * `begin`, then for each message `roles[role] + text + separator`, then `generationPrompt`.
 * `developer` messages use the `system` prefix. Messages without text (an assistant turn that only
 * called tools) are left out.
 *
 * The default is a plain transcript, one `role: text` line per message, ending with `assistant:`:
 * ```
 * system: You are a terse assistant.
 * user: Name three primary colours.
 * assistant:
 * ```
 * Use the model's own chat template where it has one, e.g. ChatML:
 * `{ roles: { system: '<|im_start|>system\n', user: '<|im_start|>user\n', assistant: '<|im_start|>assistant\n',
 *   tool: '<|im_start|>tool\n' }, separator: '<|im_end|>\n', generationPrompt: '<|im_start|>assistant\n' }`.
 */
export interface TritonPromptFormat {
  /** Text before everything, e.g. a BOS token the tokenizer does not add. Default ''. */
  begin?: string;
  /** Text before each message, by role. Default `"<role>: "`. */
  roles?: Partial<Record<PromptRole, string>>;
  /** Text after each message. Default '\n'. */
  separator?: string;
  /** Text that opens the model's answer. Default 'assistant:'. */
  generationPrompt?: string;
}

/** A format, or a function that renders the messages itself. */
export type TritonPromptTemplate = TritonPromptFormat | ((messages: readonly ChatMessage[]) => string);

type PromptRole = 'system' | 'user' | 'assistant' | 'tool';

const DEFAULT_ROLES: Record<PromptRole, string> = {
  system: 'system: ',
  user: 'user: ',
  assistant: 'assistant: ',
  tool: 'tool: ',
};

/**
 * Renders `messages` with `template` (the default transcript when undefined). Content that is not text
 * (images, audio, files) is refused with INVALID_REQUEST: a text-only prompt would silently drop it.
 */
export function renderTritonPrompt(
  messages: readonly ChatMessage[],
  template?: TritonPromptTemplate,
): string {
  if (messages.length === 0)
    throw new ApiError('INVALID_REQUEST', 'messages: at least one message is required');
  const texts = messages.map((message, index) => messageText(message, index));
  if (typeof template === 'function') return template(messages);
  const format = template ?? {};
  const roles = { ...DEFAULT_ROLES, ...format.roles };
  const separator = format.separator ?? '\n';
  let prompt = format.begin ?? '';
  messages.forEach((message, index) => {
    const text = texts[index] as string | null;
    if (text === null) return;
    const role = message.role === 'developer' ? 'system' : message.role;
    const prefix = roles[role as PromptRole];
    if (prefix === undefined) {
      throw new ApiError(
        'INVALID_REQUEST',
        `messages[${index}].role: unknown role ${JSON.stringify(message.role)}`,
      );
    }
    prompt += prefix + text + separator;
  });
  return prompt + (format.generationPrompt ?? 'assistant:');
}

function messageText(message: ChatMessage, index: number): string | null {
  const { content } = message;
  if (content === null || content === undefined) return null;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) {
    throw new ApiError(
      'INVALID_REQUEST',
      `messages[${index}].content: expected a string or an array of parts`,
    );
  }
  const texts: string[] = [];
  content.forEach((part, partIndex) => {
    if ((part.type === 'text' || part.type === 'input_text') && typeof part.text === 'string') {
      texts.push(part.text);
      return;
    }
    throw new ApiError(
      'INVALID_REQUEST',
      `messages[${index}].content[${partIndex}]: a ${JSON.stringify(part.type)} part cannot be sent to a Triton text model`,
    );
  });
  // Parts are joined with a newline, as vLLM's chat templating does.
  return texts.join('\n');
}
