import type { CreatedKey } from '@ragline/sdk/contracts';
import type { AppDeps } from '../../deps.js';
import { hashKeySecret, newKeySecret } from './api-key-secret.js';

export async function createApiKey(
  deps: Pick<AppDeps, 'metadata' | 'ids' | 'clock'>,
  input: { tenant: string; name?: string | undefined; admin: boolean; secret?: string },
): Promise<CreatedKey> {
  await deps.metadata.tenants.ensure(input.tenant);
  const secret = input.secret ?? newKeySecret();
  const id = deps.ids.next('key');
  const createdAt = deps.clock.now().toISOString();
  await deps.metadata.apiKeys.insert({
    id,
    tenantId: input.tenant,
    name: input.name ?? null,
    hash: await hashKeySecret(secret),
    admin: input.admin,
    createdAt,
  });
  return { id, tenant: input.tenant, name: input.name ?? null, admin: input.admin, key: secret, createdAt };
}

/**
 * Makes sure the configured admin secret can log in, as an admin of the `default` tenant.
 * Runs at every start; inserts only the first time.
 */
export async function bootstrapAdminKey(
  deps: Pick<AppDeps, 'metadata' | 'ids' | 'clock'>,
  secret: string,
): Promise<'created' | 'exists'> {
  const existing = await deps.metadata.apiKeys.findByHash(await hashKeySecret(secret));
  if (existing) return 'exists';
  await createApiKey(deps, { tenant: 'default', name: 'bootstrap admin', admin: true, secret });
  return 'created';
}
