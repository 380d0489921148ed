import { sha256Hex } from '../../core/hash.js';
import { toHex } from '../../core/ids.js';

export const KEY_PREFIX = 'rl_';

/** A new secret: `rl_` + 32 random bytes in hex. Only its hash is ever stored. */
export function newKeySecret(): string {
  return KEY_PREFIX + toHex(crypto.getRandomValues(new Uint8Array(32)));
}

export function hashKeySecret(secret: string): Promise<string> {
  return sha256Hex(secret);
}
