import type { Collection, RetrievalMode } from '@ragline/sdk';
import { contentHash } from '../runner/content-hash.js';
import type { CollectionTargetDefinition } from '../suite/suite-definition.js';
import { toRetrievedContexts } from './retrieved-contexts.js';
import { callServer, requestIdOf, type ServerConnection, serverConnection } from './server-client.js';
import type { ResolvedTarget, TargetContext } from './target.js';

/** The suite's default passages per query. */
const DEFAULT_TOP_K = 10;

/**
 * Retrieval only: each case's input is the query, the answer is the ranked passages (output null). The
 * server exposes no collection version, so the content hash covers the collection's identity and state as
 * `GET /v1/collections/{name}` describes it (created and last-written times, document and chunk counts,
 * embedder) with the query settings: any ingest or delete changes it.
 */
export async function collectionTarget(
  target: CollectionTargetDefinition,
  context: TargetContext,
): Promise<ResolvedTarget> {
  const connection = serverConnection(target, context);
  const { value: collection } = await callServer(connection, (client) =>
    client.collections.get(target.collection),
  );
  const state = collectionStateOf(collection);
  const topK = target.topK ?? DEFAULT_TOP_K;
  // The server's own default: hybrid with an embedder, lexical without.
  const mode: RetrievalMode =
    target.mode === undefined ? (collection.embedder === null ? 'lexical' : 'hybrid') : target.mode;
  return {
    ref: {
      kind: 'collection',
      id: target.collection,
      description: `collection ${target.collection} (${mode}, top ${topK})`,
      contentHash: contentHash({
        collection: target.collection,
        topK,
        mode,
        state,
      }),
    },
    async call(_item, input) {
      const { value, headers } = await callServer(connection, (client) =>
        client.retrieval.query(target.collection, { query: input, topK, mode }),
      );
      const requestId = requestIdOf(headers);
      return {
        output: null,
        contexts: toRetrievedContexts(value.results),
        ...(requestId !== undefined && { requestId }),
      };
    },
  };
}

/**
 * What a collection holds as far as the server tells (it exposes no version outside release pins): any
 * ingest or delete changes it, so a content hash that includes it changes with the collection.
 */
export function collectionStateOf(collection: Collection): Record<string, unknown> {
  return {
    embedder: collection.embedder,
    embeddingModel: collection.embeddingModel,
    createdAt: collection.createdAt,
    updatedAt: collection.updatedAt,
    documentCount: collection.documentCount,
    chunkCount: collection.chunkCount,
  };
}

/** The state of a collection, read from the server. */
export async function readCollectionState(
  connection: ServerConnection,
  name: string,
): Promise<Record<string, unknown>> {
  const { value } = await callServer(connection, (client) => client.collections.get(name));
  return collectionStateOf(value);
}
