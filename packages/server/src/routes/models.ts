import { Hono } from 'hono';
import { routeNamesFor } from '../services/gateway/resolve-route.js';

/** OpenAI's model list: the routes (logical model names) this key may use in its tenant. */
export const modelRoutes = new Hono().get('/models', async (c) => {
  const names = await routeNamesFor(c.get('deps'), c.get('principal'));
  return c.json({
    object: 'list',
    data: names.map((id) => ({ id, object: 'model', created: 0, owned_by: 'ragline' })),
  });
});
