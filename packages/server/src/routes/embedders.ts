import type { EmbedderInfo } from '@ragline/sdk/contracts';
import { Hono } from 'hono';

/** Lists configured embedders; `?probe=true` loads each one to report availability and dimension. */
export const embedderRoutes = new Hono().get('/embedders', async (c) => {
  const probe = c.req.query('probe') === 'true';
  const data: EmbedderInfo[] = [];
  for (const embedder of c.get('deps').embedders.values()) {
    let dimensions: number | null = null;
    let available = true;
    let reason: string | null = probe ? null : 'not probed; pass ?probe=true';
    if (probe) {
      try {
        dimensions = await embedder.dimensions();
      } catch (err) {
        available = false;
        reason = err instanceof Error ? err.message : String(err);
      }
    }
    data.push({
      name: embedder.name,
      kind: embedder.kind,
      model: embedder.model,
      dimensions,
      available,
      reason,
    });
  }
  return c.json({ data });
});
