import type { Context } from 'hono';
import type { CostServices } from './cost-services.js';

/**
 * On runtimes whose work stops with the request (Workers, Lambda), writes the ledger's queue before the
 * request is over: handed to the Worker's `waitUntil` when there is one, else awaited. A no-op on Node,
 * where the writer's timer batches records.
 */
export async function flushAfterCall(c: Context, costs: CostServices | undefined): Promise<void> {
  if (!costs?.flushEachCall) return;
  const work = costs.ledger.flush().catch((error: unknown) => {
    c.get('deps').logger.error('the usage ledger could not be written; records stay queued', {
      error: error instanceof Error ? error.message : String(error),
    });
  });
  let waitUntil: ((work: Promise<unknown>) => void) | undefined;
  try {
    waitUntil = c.executionCtx.waitUntil.bind(c.executionCtx);
  } catch {
    // No execution context (Node, Lambda): await the write.
  }
  if (waitUntil) waitUntil(work);
  else await work;
}
