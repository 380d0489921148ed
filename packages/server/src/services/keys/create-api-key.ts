import type { CreatedKey } from '@ragline/sdk/contracts';
import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import { CONFIG_ROUTE_SCOPE } from '../../ports/metadata-store.js';
import { hashKeySecret, newKeySecret } from './api-key-secret.js';

export async function createApiKey(
  deps: Pick<AppDeps, 'metadata' | 'ids' | 'clock'>,
  input: {
    tenant: string;
    name?: string | undefined;
    admin: boolean;
    /** Glob patterns of the models the key may use; absent or null: every model. */
    allowedModels?: string[] | null | undefined;
    /** Requests / tokens per minute; absent or null: no limit. */
    rpmLimit?: number | null | undefined;
    tpmLimit?: number | null | undefined;
    secret?: string;
  },
): Promise<CreatedKey> {
  // The request schema already refuses it; this guards every other caller.
  if (input.tenant === CONFIG_ROUTE_SCOPE) {
    throw new ApiError('INVALID_REQUEST', `tenant: "${CONFIG_ROUTE_SCOPE}" is reserved`);
  }
  await deps.metadata.tenants.ensure(input.tenant);
  const secret = input.secret ?? newKeySecret();
  const id = deps.ids.next('key');
  const createdAt = deps.clock.now().toISOString();
  const allowedModels = input.allowedModels ? [...new Set(input.allowedModels)] : null;
  const rpmLimit = input.rpmLimit ?? null;
  const tpmLimit = input.tpmLimit ?? null;
  await deps.metadata.apiKeys.insert({
    id,
    tenantId: input.tenant,
    name: input.name ?? null,
    hash: await hashKeySecret(secret),
    admin: input.admin,
    allowedModels,
    rpmLimit,
    tpmLimit,
    createdAt,
  });
  return {
    id,
    tenant: input.tenant,
    name: input.name ?? null,
    admin: input.admin,
    allowedModels,
    rpmLimit,
    tpmLimit,
    key: secret,
    createdAt,
  };
}

/**
 * Makes sure the configured admin secret can log in, as an admin of the `default` tenant.
 * Runs at every start; inserts only the first time.
 */
export async function bootstrapAdminKey(
  deps: Pick<AppDeps, 'metadata' | 'ids' | 'clock'>,
  secret: string,
): Promise<'created' | 'exists'> {
  const hash = await hashKeySecret(secret);
  if (await deps.metadata.apiKeys.findByHash(hash)) return 'exists';
  try {
    await createApiKey(deps, { tenant: 'default', name: 'bootstrap admin', admin: true, secret });
    return 'created';
  } catch (error) {
    // Another instance starting on the same store inserted it between our read and our insert.
    if (await deps.metadata.apiKeys.findByHash(hash)) return 'exists';
    throw error;
  }
}
