import type { ApiKey } from '@ragline/sdk/contracts';
import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { ApiKeyRow } from '../../ports/metadata-store.js';

/** Changes a key's rate limits; they apply within the auth cache's lifetime (PRINCIPAL_TTL_MS). */
export async function updateApiKeyLimits(
  deps: Pick<AppDeps, 'metadata'>,
  input: {
    tenant: string;
    id: string;
    rpmLimit?: number | null | undefined;
    tpmLimit?: number | null | undefined;
  },
): Promise<ApiKey> {
  const row = await deps.metadata.apiKeys.updateLimits(input.tenant, input.id, {
    ...(input.rpmLimit !== undefined && { rpmLimit: input.rpmLimit }),
    ...(input.tpmLimit !== undefined && { tpmLimit: input.tpmLimit }),
  });
  if (!row) throw new ApiError('NOT_FOUND', `tenant "${input.tenant}" has no API key "${input.id}"`);
  return apiKeyView(row);
}

/** A key as the API shows it: everything but its hash. */
export function apiKeyView(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    tenant: row.tenantId,
    name: row.name,
    admin: row.admin,
    allowedModels: row.allowedModels,
    rpmLimit: row.rpmLimit,
    tpmLimit: row.tpmLimit,
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
  };
}
