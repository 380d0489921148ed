import { createKeyRequestSchema, updateKeyRequestSchema } from '@ragline/sdk/contracts';
import { Hono } from 'hono';
import { requireAdmin } from '../middleware/auth/index.js';
import { createApiKey } from '../services/keys/create-api-key.js';
import { updateApiKeyLimits } from '../services/keys/update-api-key-limits.js';
import { parseBody, readJson } from './validate.js';

/**
 * `POST /keys` creates a key (for any tenant), `PATCH /keys/{id}` changes its rate limits; both need
 * an admin key. A PATCH names the key's tenant in `tenant`, default the caller's.
 */
export const keyRoutes = new Hono()
  .post('/keys', requireAdmin, async (c) => {
    const input = parseBody(createKeyRequestSchema, await readJson(c.req));
    const created = await createApiKey(c.get('deps'), input);
    return c.json(created, 201);
  })
  .patch('/keys/:id', requireAdmin, async (c) => {
    const input = parseBody(updateKeyRequestSchema, await readJson(c.req));
    const updated = await updateApiKeyLimits(c.get('deps'), {
      ...input,
      tenant: input.tenant ?? c.get('principal').tenantId,
      id: c.req.param('id'),
    });
    return c.json(updated);
  });
