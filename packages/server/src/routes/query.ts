import { queryRequestSchema } from '@ragline/sdk/contracts';
import { Hono } from 'hono';
import { getCollectionOrThrow } from '../services/collections/get-collection.js';
import { queryCollection } from '../services/retrieve/query-collection.js';
import { parseBody, readJson } from './validate.js';

export const queryRoutes = new Hono().post('/collections/:name/query', async (c) => {
  const deps = c.get('deps');
  const input = parseBody(queryRequestSchema, await readJson(c.req));
  const collection = await getCollectionOrThrow(deps, c.get('principal').tenantId, c.req.param('name'));
  return c.json(await queryCollection(deps, collection, input, c.req.raw.signal));
});
