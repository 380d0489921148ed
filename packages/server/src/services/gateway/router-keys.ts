import type {
  ChatStreamPart,
  CompletionPrompt,
  CompletionRequest,
  CompletionStreamPart,
} from '../../ports/chat-model.js';
import { prefixKeyOf } from './prefix-key.js';

/** FNV-1a over UTF-16 code units, 32 bits. Stable across processes and runtimes. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A stable point in [0, 1) for a sticky key: one caller always lands in one bucket. */
export function stickyBucket(key: string): number {
  // Mix once more so keys differing only in the last character spread over the whole range.
  let h = fnv1a(key);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

/**
 * Whether a stream part carries the first real output: any delta field besides `role` with a value
 * (content, tool calls, reasoning), or a finish reason. Role-only and empty-content chunks do not count.
 */
export function firstTokenOf(part: ChatStreamPart): boolean {
  if (part.type !== 'chunk') return false;
  for (const choice of part.chunk.choices) {
    if (choice.finish_reason != null) return true;
    const delta = choice.delta as Record<string, unknown> | undefined;
    if (!delta) continue;
    for (const key in delta) {
      if (key === 'role') continue;
      const value = delta[key];
      if (value === null || value === undefined || value === '') continue;
      if (Array.isArray(value) && value.length === 0) continue;
      return true;
    }
  }
  return false;
}

/** Whether a legacy completion stream part carries the first real output: some text, or a finish reason. */
export function firstTextOf(part: CompletionStreamPart): boolean {
  if (part.type !== 'chunk') return false;
  return part.chunk.choices.some((choice) => choice.finish_reason != null || (choice.text ?? '') !== '');
}

/**
 * The prefix key of a legacy completion: its (first) prompt hashed as one message, so prompts that share
 * their head share a key like chats that share a system prompt. Token ids count by their decimal text.
 */
export function completionPrefixKeyOf(request: CompletionRequest): string {
  return prefixKeyOf({
    model: request.model,
    messages: [{ role: 'user', content: promptHead(request.prompt) }],
  });
}

function promptHead(prompt: CompletionPrompt): string {
  if (typeof prompt === 'string') return prompt;
  const first: unknown = prompt[0];
  if (typeof first === 'string') return first;
  const ids = Array.isArray(first) ? first : prompt;
  return ids.join(' ');
}
