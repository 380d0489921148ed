import { Hono } from 'hono';
import { authenticate, requireAdmin } from '../middleware/auth/index.js';
import { PROMETHEUS_CONTENT_TYPE } from '../services/gateway/metrics.js';

/**
 * Prometheus exposition of the gateway's metrics. It spans every tenant, so it needs an admin key
 * (Prometheus sends it with `authorization: { credentials: ... }` in its scrape config).
 */
export const metricsRoutes = new Hono().get('/metrics', authenticate, requireAdmin, (c) => {
  const body = c.get('deps').gateway?.metrics.render() ?? '';
  return c.body(body, 200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
});
