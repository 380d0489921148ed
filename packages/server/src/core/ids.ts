export interface Ids {
  /** A new random id with a readable prefix, e.g. `col_3f9a...`. */
  next(prefix: string): string;
}

export const randomIds: Ids = {
  next(prefix) {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    return `${prefix}_${toHex(bytes)}`;
  },
};

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
