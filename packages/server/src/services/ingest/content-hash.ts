import { canonicalJson, sha256Hex } from '../../core/hash.js';
import type { PreparedDocument } from './prepared-document.js';

const encoder = new TextEncoder();

/** Changes when the content, its type or its metadata change (chunks carry the metadata). */
export function contentHash(doc: PreparedDocument): Promise<string> {
  const header = encoder.encode(`${doc.contentType}\n${canonicalJson(doc.metadata)}\n`);
  const body = typeof doc.content === 'string' ? encoder.encode(doc.content) : doc.content;
  const all = new Uint8Array(header.byteLength + body.byteLength);
  all.set(header, 0);
  all.set(body, header.byteLength);
  return sha256Hex(all);
}
