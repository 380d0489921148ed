import type { GatewayConfig } from './gateway-config.js';
import type { HealthScraper } from './health-scraper.js';

/** The part of a Workers ExecutionContext that keeps background work alive after the response. */
export interface BackgroundTasks {
  waitUntil(promise: Promise<unknown>): void;
}

/** Calls that go through the gateway's router (and so, for pools, through placement). */
const GATEWAY_CALLS = /\/v1\/(chat\/)?completions\/?$/;

/**
 * Health scraping where nothing may run between requests (Cloudflare Workers, which allow no background
 * timers): each gateway call starts, in the background, a scrape of the pool replicas whose signals are
 * due for one (HealthScraper.scrapeDue: at most one scrape in flight per target, at most one per scrape
 * interval), and hands it to `waitUntil`, so the call itself never waits for it. The call is placed with
 * what is known now; the fresh signals serve the calls that follow. Only pool replicas are scraped: no
 * other target's signals are read. An isolate that receives no gateway calls scrapes nothing.
 */
export function createOnDemandScraping(
  config: Pick<GatewayConfig, 'pools'>,
  scraper: Pick<HealthScraper, 'scrapeDue'>,
): (request: Request, tasks: BackgroundTasks) => void {
  const replicas = [...new Set(config.pools.flatMap((pool) => pool.replicas))];
  return (request, tasks) => {
    if (replicas.length === 0 || request.method !== 'POST') return;
    if (!GATEWAY_CALLS.test(new URL(request.url).pathname)) return;
    const work = scraper.scrapeDue(replicas);
    if (work) tasks.waitUntil(work);
  };
}
