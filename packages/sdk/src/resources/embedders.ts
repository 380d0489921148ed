import type { z } from 'zod';
import { embedderListSchema } from '../contracts/collections.js';
import type { Requester, RequestOptions } from '../core/request.js';

export type EmbedderList = z.infer<typeof embedderListSchema>;

export interface Embedders {
  list(options?: RequestOptions): Promise<EmbedderList>;
}

export function createEmbedders(request: Requester): Embedders {
  return {
    list: (options) => request({ method: 'GET', path: '/v1/embedders', schema: embedderListSchema }, options),
  };
}
