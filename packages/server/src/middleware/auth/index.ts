import { createMiddleware } from 'hono/factory';
import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import { hashKeySecret } from '../../services/keys/api-key-secret.js';

export interface Principal {
  keyId: string;
  /** Always from the stored key, never from anything the client sends. */
  tenantId: string;
  admin: boolean;
  /** The key's model allow-list (glob patterns); null: every model. See services/keys/model-patterns. */
  allowedModels: readonly string[] | null;
  /** Requests per minute for this key (services/budgets/rate-limiter); null: no limit. */
  rpmLimit: number | null;
  /** Tokens per minute; null: no limit. */
  tpmLimit: number | null;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Recently verified keys, per app (keyed by its deps), so a busy key costs neither a hash nor a
 * database read on every request. Entries live `PRINCIPAL_TTL_MS`: a revoked key stops working
 * within that time. Only successes are cached, so random keys cannot fill it.
 */
export const PRINCIPAL_TTL_MS = 5_000;
const MAX_CACHED_KEYS = 10_000;
const principalCaches = new WeakMap<AppDeps, Map<string, { principal: Principal; expiresAt: number }>>();

async function principalFor(deps: AppDeps, secret: string): Promise<Principal | null> {
  let cache = principalCaches.get(deps);
  if (!cache) {
    cache = new Map();
    principalCaches.set(deps, cache);
  }
  const now = Date.now();
  const hit = cache.get(secret);
  if (hit && hit.expiresAt > now) return hit.principal;
  const row = await deps.metadata.apiKeys.findByHash(await hashKeySecret(secret));
  if (!row || row.revokedAt) {
    cache.delete(secret);
    return null;
  }
  const principal: Principal = {
    keyId: row.id,
    tenantId: row.tenantId,
    admin: row.admin,
    allowedModels: row.allowedModels,
    rpmLimit: row.rpmLimit,
    tpmLimit: row.tpmLimit,
  };
  if (cache.size >= MAX_CACHED_KEYS) cache.delete(cache.keys().next().value as string);
  cache.set(secret, { principal, expiresAt: now + PRINCIPAL_TTL_MS });
  return principal;
}

export const authenticate = createMiddleware(async (c, next) => {
  const header = c.req.header('authorization');
  const match = header ? BEARER.exec(header) : null;
  if (!match?.[1]) {
    throw new ApiError('UNAUTHENTICATED', 'missing API key: send "Authorization: Bearer <key>"', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  const principal = await principalFor(c.get('deps'), match[1]);
  if (!principal) {
    throw new ApiError('UNAUTHENTICATED', 'invalid or revoked API key', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  c.set('principal', principal);
  await next();
});

export const requireAdmin = createMiddleware(async (c, next) => {
  if (!c.get('principal')?.admin) throw new ApiError('FORBIDDEN', 'this operation needs an admin key');
  await next();
});
