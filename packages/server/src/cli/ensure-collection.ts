import { type Collection, NotFoundError, type Ragline } from '@ragline/sdk';

/** `none` -> null (lexical only); absent -> the server's first available embedder, else null. */
export async function resolveEmbedder(client: Ragline, embedder: string | undefined): Promise<string | null> {
  if (embedder === 'none') return null;
  if (embedder !== undefined) return embedder;
  const { data } = await client.embedders.list();
  return data.find((e) => e.available)?.name ?? null;
}

/**
 * Without an explicit embedder an existing collection is used as it is; with one, the server
 * answers 409 EMBEDDER_MISMATCH when the existing collection uses another.
 */
export async function ensureCollection(
  client: Ragline,
  name: string,
  embedder: string | undefined,
): Promise<Collection> {
  if (embedder === undefined) {
    try {
      return await client.collections.get(name);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  return client.collections.create({ name, embedder: await resolveEmbedder(client, embedder) });
}
