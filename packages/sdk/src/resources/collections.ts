import {
  type Collection,
  type CollectionList,
  type CreateCollectionInput,
  collectionListSchema,
  collectionSchema,
} from '../contracts/collections.js';
import type { Requester, RequestOptions } from '../core/request.js';

export interface Collections {
  /** Creates the collection; returns the existing one when it has the same embedder (409 EMBEDDER_MISMATCH otherwise). */
  create(input: CreateCollectionInput, options?: RequestOptions): Promise<Collection>;
  list(options?: RequestOptions): Promise<CollectionList>;
  get(name: string, options?: RequestOptions): Promise<Collection>;
  delete(name: string, options?: RequestOptions): Promise<void>;
}

export function collectionPath(name: string): string {
  return `/v1/collections/${encodeURIComponent(name)}`;
}

export function createCollections(request: Requester): Collections {
  return {
    create: (input, options) =>
      request({ method: 'POST', path: '/v1/collections', json: input, schema: collectionSchema }, options),
    list: (options) =>
      request({ method: 'GET', path: '/v1/collections', schema: collectionListSchema }, options),
    get: (name, options) =>
      request({ method: 'GET', path: collectionPath(name), schema: collectionSchema }, options),
    delete: (name, options) => request({ method: 'DELETE', path: collectionPath(name) }, options),
  };
}
