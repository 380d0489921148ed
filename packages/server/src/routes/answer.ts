import { answerRequestSchema } from '@ragline/sdk/contracts';
import { Hono } from 'hono';
import { SSE_HEADERS } from '../core/sse.js';
import { answerQuestion } from '../services/answer/answer-question.js';
import { flushAfterCall } from '../services/metering/flush-after-call.js';
import { parseBody, readJson } from './validate.js';

/** Grounded answers: retrieve, pack, render, call the model (or answer extractively); JSON or SSE. */
export const answerRoutes = new Hono().post('/answer', async (c) => {
  const deps = c.get('deps');
  const body = parseBody(answerRequestSchema, await readJson(c.req));
  const outcome = await answerQuestion(
    deps,
    {
      principal: c.get('principal'),
      requestId: c.get('requestId'),
      signal: c.req.raw.signal,
      header: (name) => c.req.header(name),
      afterSettle: () => flushAfterCall(c, deps.costs),
    },
    body,
  );
  if (!outcome.stream) {
    const { response } = outcome;
    if (response.model?.target) c.header('x-ragline-target', response.model.target);
    if (response.cost.basis !== 'unpriced') c.header('x-ragline-cost-micros', String(response.cost.micros));
    return c.json(response);
  }
  return new Response(outcome.body, {
    headers: {
      ...SSE_HEADERS,
      'x-request-id': c.get('requestId'),
      ...(outcome.target && { 'x-ragline-target': outcome.target }),
    },
  });
});
