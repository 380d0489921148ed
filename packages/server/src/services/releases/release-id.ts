import { canonicalJson, sha256Hex } from '../../core/hash.js';
import type { ReleasePins } from '../../ports/registry-repositories.js';

export const RELEASE_ID_PATTERN = /^rel_[0-9a-f]{24}$/;

/**
 * `rel_` + the first 24 hex digits (96 bits) of the SHA-256 of the pins' canonical JSON (keys sorted,
 * absent fields left out): equal pins give equal ids whatever their key order, and any changed pin
 * gives another id. Callers fill in defaults first, so a default and its explicit value hash alike.
 */
export async function releaseIdOf(pins: ReleasePins): Promise<string> {
  return `rel_${(await sha256Hex(canonicalJson(pins))).slice(0, 24)}`;
}
