import { createMiddleware } from 'hono/factory';
import { ApiError } from '../../core/api-error.js';
import { hashKeySecret } from '../../services/keys/api-key-secret.js';

export interface Principal {
  keyId: string;
  /** Always from the stored key, never from anything the client sends. */
  tenantId: string;
  admin: boolean;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export const authenticate = createMiddleware(async (c, next) => {
  const header = c.req.header('authorization');
  const match = header ? BEARER.exec(header) : null;
  if (!match?.[1]) {
    throw new ApiError('UNAUTHENTICATED', 'missing API key: send "Authorization: Bearer <key>"', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  const row = await c.get('deps').metadata.apiKeys.findByHash(await hashKeySecret(match[1]));
  if (!row || row.revokedAt) {
    throw new ApiError('UNAUTHENTICATED', 'invalid or revoked API key', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  c.set('principal', { keyId: row.id, tenantId: row.tenantId, admin: row.admin });
  await next();
});

export const requireAdmin = createMiddleware(async (c, next) => {
  if (!c.get('principal')?.admin) throw new ApiError('FORBIDDEN', 'this operation needs an admin key');
  await next();
});
