import { type QueryRequest, type QueryResponse, queryResponseSchema } from '../contracts/retrieval.js';
import type { Requester, RequestOptions } from '../core/request.js';
import { collectionPath } from './collections.js';

export interface Retrieval {
  query(collection: string, input: QueryRequest, options?: RequestOptions): Promise<QueryResponse>;
}

export function createRetrieval(request: Requester): Retrieval {
  return {
    query: (collection, input, options) =>
      request(
        {
          method: 'POST',
          path: `${collectionPath(collection)}/query`,
          json: input,
          schema: queryResponseSchema,
        },
        options,
      ),
  };
}
