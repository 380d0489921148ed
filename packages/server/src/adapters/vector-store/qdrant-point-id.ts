const encoder = new TextEncoder();

/** Fixed namespace of Ragline chunk ids (a random v4 UUID, chosen once; changing it re-keys every point). */
export const CHUNK_ID_NAMESPACE = '6f1c7e9a-3b52-4d8e-9a47-0c5d2e8b1f36';

const namespaceBytes = uuidBytes(CHUNK_ID_NAMESPACE);

/**
 * Qdrant point ids must be a uint64 or a UUID, so a chunk id (`doc#3`) is mapped to the RFC 4122 version-5
 * (SHA-1, name-based) UUID of the name in CHUNK_ID_NAMESPACE: deterministic, so rewriting a chunk
 * overwrites its point. The chunk id itself is kept in the payload.
 */
export async function chunkPointId(chunkId: string): Promise<string> {
  const name = encoder.encode(chunkId);
  const input = new Uint8Array(namespaceBytes.length + name.length);
  input.set(namespaceBytes);
  input.set(name, namespaceBytes.length);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-1', input));
  const bytes = hash.slice(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  return formatUuid(bytes);
}

function uuidBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  return Uint8Array.from({ length: 16 }, (_, i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

function formatUuid(bytes: Uint8Array): string {
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
