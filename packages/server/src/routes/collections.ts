import { createCollectionSchema } from '@ragline/sdk/contracts';
import { Hono } from 'hono';
import { createCollection } from '../services/collections/create-collection.js';
import { deleteCollection } from '../services/collections/delete-collection.js';
import { describeCollection } from '../services/collections/describe-collection.js';
import { getCollectionOrThrow } from '../services/collections/get-collection.js';
import { parseBody, readJson } from './validate.js';

export const collectionRoutes = new Hono()
  .post('/collections', async (c) => {
    const input = parseBody(createCollectionSchema, await readJson(c.req));
    const { collection, created } = await createCollection(c.get('deps'), c.get('principal').tenantId, input);
    return c.json(collection, created ? 201 : 200);
  })
  .get('/collections', async (c) => {
    const deps = c.get('deps');
    const rows = await deps.metadata.collections.list(c.get('principal').tenantId);
    return c.json({ data: await Promise.all(rows.map((row) => describeCollection(deps, row))) });
  })
  .get('/collections/:name', async (c) => {
    const deps = c.get('deps');
    const row = await getCollectionOrThrow(deps, c.get('principal').tenantId, c.req.param('name'));
    return c.json(await describeCollection(deps, row));
  })
  .delete('/collections/:name', async (c) => {
    await deleteCollection(c.get('deps'), c.get('principal').tenantId, c.req.param('name'));
    return c.body(null, 204);
  });
