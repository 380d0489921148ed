import { type CreatedKey, type CreateKeyRequest, createdKeySchema } from '../contracts/keys.js';
import type { Requester, RequestOptions } from '../core/request.js';

export interface Keys {
  /** Admin keys only. The secret in `key` is returned once. */
  create(input: CreateKeyRequest, options?: RequestOptions): Promise<CreatedKey>;
}

export function createKeys(request: Requester): Keys {
  return {
    create: (input, options) =>
      request({ method: 'POST', path: '/v1/keys', json: input, schema: createdKeySchema }, options),
  };
}
