import {
  type ApiKey,
  apiKeySchema,
  type CreatedKey,
  type CreateKeyRequest,
  createdKeySchema,
  type UpdateKeyRequest,
} from '../contracts/keys.js';
import type { Requester, RequestOptions } from '../core/request.js';

export interface Keys {
  /** Admin keys only. The secret in `key` is returned once. */
  create(input: CreateKeyRequest, options?: RequestOptions): Promise<CreatedKey>;
  /** Admin keys only: changes the key's rate limits (null removes one). */
  update(id: string, input: UpdateKeyRequest, options?: RequestOptions): Promise<ApiKey>;
}

export function createKeys(request: Requester): Keys {
  return {
    create: (input, options) =>
      request({ method: 'POST', path: '/v1/keys', json: input, schema: createdKeySchema }, options),
    update: (id, input, options) =>
      request(
        { method: 'PATCH', path: `/v1/keys/${encodeURIComponent(id)}`, json: input, schema: apiKeySchema },
        options,
      ),
  };
}
