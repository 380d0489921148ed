import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { type BudgetGuard, createBudgetGuard } from '../budgets/budget-guard.js';
import { createRateLimiter, type RateLimiter } from '../budgets/rate-limiter.js';
import { createLedgerWriter, type LedgerWriter } from '../ledger/ledger-writer.js';
import { type BusyTimeAttributor, createBusyTimeAttributor } from '../pricing/gpu-busy-time.js';
import { createPriceCatalog, type PriceCatalog } from '../pricing/price-catalog.js';
import { createMeter, type Meter } from './meter.js';

/** The cost plane's in-process state: prices, the ledger writer, budgets and rate limits. */
export interface CostServices {
  prices: PriceCatalog;
  ledger: LedgerWriter;
  budgets: BudgetGuard;
  limits: RateLimiter;
  busyTime: BusyTimeAttributor;
  /** Reserves before and records after each metered call, over the services above. */
  meter: Meter;
  /**
   * Runtimes without a process that outlives requests (Workers, Lambda): each metered call's record is
   * written before its request is over (see flushAfterCall), not by the writer's timer alone.
   */
  flushEachCall: boolean;
  /** Flushes the ledger and stops timers (graceful shutdown). */
  close(): Promise<void>;
}

export interface CostServicesOptions {
  metadata: MetadataStore;
  logger: Logger;
  clock: Clock;
  /** Workers and Lambda: write each call's record before its request ends. Default false. */
  flushEachCall?: boolean;
  /** Default 30 s; tests pass 0. */
  priceRefreshMs?: number;
}

export async function createCostServices(options: CostServicesOptions): Promise<CostServices> {
  const { metadata, logger } = options;
  const prices = await createPriceCatalog({
    prices: metadata.prices,
    logger,
    ...(options.priceRefreshMs !== undefined && { refreshMs: options.priceRefreshMs }),
  });
  const ledger = createLedgerWriter({
    ledger: metadata.ledger,
    logger,
  });
  const services: Omit<CostServices, 'meter'> = {
    prices,
    ledger,
    budgets: createBudgetGuard({ budgets: metadata.budgets, ledger: metadata.ledger, logger }),
    limits: createRateLimiter(),
    busyTime: createBusyTimeAttributor(),
    flushEachCall: options.flushEachCall ?? false,
    async close() {
      prices.close();
      await ledger.close();
    },
  };
  return { ...services, meter: createMeter(services, () => options.clock.now().getTime()) };
}
