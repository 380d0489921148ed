import { resolve } from 'node:path';
import type { TokenCounter } from '../core/token-count.js';

/**
 * Loads a Hugging Face tokenizer from a local folder with transformers.js (never downloads: the gateway
 * must not reach the Hub on a request's behalf). Counts tokens without special tokens, as upstreams
 * report completion tokens.
 */
export async function loadLocalTokenizer(folder: string): Promise<TokenCounter> {
  const { AutoTokenizer } = await import('@huggingface/transformers');
  const tokenizer = await AutoTokenizer.from_pretrained(resolve(folder), { local_files_only: true });
  return (text) => (text === '' ? 0 : tokenizer.encode(text, { add_special_tokens: false }).length);
}
