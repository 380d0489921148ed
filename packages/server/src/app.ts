import './context.js';
import { Hono } from 'hono';
import type { AppDeps } from './deps.js';
import { accessLog } from './middleware/access-log/index.js';
import { authenticate } from './middleware/auth/index.js';
import { handleError, handleNotFound } from './middleware/errors/index.js';
import { requestId } from './middleware/request-id/index.js';
import { answerRoutes } from './routes/answer.js';
import { budgetRoutes } from './routes/budgets.js';
import { chatCompletionRoutes } from './routes/chat-completions.js';
import { collectionRoutes } from './routes/collections.js';
import { completionRoutes } from './routes/completions.js';
import { documentRoutes } from './routes/documents.js';
import { embedderRoutes } from './routes/embedders.js';
import { evalRoutes } from './routes/evals.js';
import { gatewayRoutes } from './routes/gateway-routes.js';
import { healthRoutes } from './routes/health.js';
import { keyRoutes } from './routes/keys.js';
import { metricsRoutes } from './routes/metrics.js';
import { modelRoutes } from './routes/models.js';
import { openAIEmbeddingRoutes } from './routes/openai-embeddings.js';
import { priceRoutes } from './routes/prices.js';
import { promptRoutes } from './routes/prompts.js';
import { queryRoutes } from './routes/query.js';
import { registryModelRoutes } from './routes/registry-models.js';
import { releaseRoutes } from './routes/releases.js';
import { usageRoutes } from './routes/usage.js';
import { usageRecomputeRoutes } from './routes/usage-recompute.js';

/** The whole HTTP API as a runtime-neutral Hono app; runtimes build `deps` and serve it. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use('*', requestId);
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.use('*', accessLog);
  app.route('/', healthRoutes);
  app.route('/', metricsRoutes);

  const v1 = new Hono();
  if (deps.ready) {
    const ready = deps.ready;
    v1.use('*', async (_c, next) => {
      await ready();
      await next();
    });
  }
  v1.use('*', authenticate);
  v1.route('/', keyRoutes);
  v1.route('/', budgetRoutes);
  v1.route('/', embedderRoutes);
  v1.route('/', collectionRoutes);
  v1.route('/', documentRoutes);
  v1.route('/', queryRoutes);
  v1.route('/', chatCompletionRoutes);
  v1.route('/', completionRoutes);
  v1.route('/', modelRoutes);
  v1.route('/', openAIEmbeddingRoutes);
  v1.route('/', gatewayRoutes);
  v1.route('/', priceRoutes);
  v1.route('/', promptRoutes);
  v1.route('/', registryModelRoutes);
  v1.route('/', releaseRoutes);
  v1.route('/', answerRoutes);
  // Server-side eval runs call this app in process, as the caller.
  v1.route(
    '/',
    evalRoutes((request) => app.fetch(request)),
  );
  v1.route('/', usageRecomputeRoutes);
  v1.route('/', usageRoutes);
  app.route('/v1', v1);

  app.onError(handleError);
  app.notFound(handleNotFound);
  return app;
}
