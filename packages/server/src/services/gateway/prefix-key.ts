import type { ChatMessage, ChatRequest } from '../../ports/chat-model.js';

/**
 * How many characters of the rendered prompt head the prefix key covers: 2,048 characters, about 500
 * tokens of English. Long enough that two tenants' system prompts almost never collide, short enough
 * that requests sharing a system prompt of 500 tokens or more share a key however their user messages
 * differ. Requests whose shared part is shorter get different keys; they would gain little from
 * affinity anyway, since vLLM caches in blocks of 16 tokens and a short prefix is cheap to recompute.
 */
export const PREFIX_KEY_CHARS = 2_048;

/**
 * A hash of what an engine puts first in the prompt: the model (an adapter's KV cache is its own), the
 * tool definitions (chat templates render them into the system turn), then each message's role and
 * text in order, cut at `maxChars`. Non-text content parts count by their JSON. 64 bits as 16 hex chars.
 */
export function prefixKeyOf(request: ChatRequest, maxChars: number = PREFIX_KEY_CHARS): string {
  let head = `${request.model}\u0000`;
  if (Array.isArray(request.tools) && request.tools.length > 0)
    head += `${JSON.stringify(request.tools)}\u0000`;
  for (const message of request.messages) {
    if (head.length >= maxChars) break;
    head += `${message.role}\u0000${messageText(message, maxChars)}\u0000`;
  }
  return hash64(head.length > maxChars ? head.slice(0, maxChars) : head);
}

function messageText(message: ChatMessage, maxChars: number): string {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  // Long strings inside parts (base64 images) are cut before serialising, not after.
  const cut = (_key: string, value: unknown) =>
    typeof value === 'string' && value.length > maxChars ? value.slice(0, maxChars) : value;
  return content
    .map((part) => (part.type === 'text' ? (part.text ?? '') : JSON.stringify(part, cut)))
    .join('');
}

/** Two 32-bit multiply-xorshift lanes (cyrb53's mixing, widened to 64 bits). Sync and runtime-neutral. */
function hash64(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
