import { createKeyRequestSchema } from '@ragline/sdk/contracts';
import { Hono } from 'hono';
import { requireAdmin } from '../middleware/auth/index.js';
import { createApiKey } from '../services/keys/create-api-key.js';
import { parseBody, readJson } from './validate.js';

export const keyRoutes = new Hono().post('/keys', requireAdmin, async (c) => {
  const input = parseBody(createKeyRequestSchema, await readJson(c.req));
  const created = await createApiKey(c.get('deps'), input);
  return c.json(created, 201);
});
