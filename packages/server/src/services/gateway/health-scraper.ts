import { type Logger, silentLogger } from '../../ports/logger.js';
import type { TargetConfig } from './gateway-config.js';
import { adaptersFromModelList, loadFromMetricsBody } from './health-signals.js';
import type { TargetHealth } from './health-store.js';

export interface HealthScraperOptions {
  /** Every configured target; only vllm and trtllm targets with a baseURL or metricsURL are scraped. */
  targets: readonly TargetConfig[];
  health: TargetHealth;
  /** Time between scrapes of one target. Default 1000. */
  intervalMs?: number;
  /** Per-request timeout of a scrape. Default: the interval. */
  timeoutMs?: number;
  /** Read /v1/models (LoRA adapters) every N scrapes: adapters change far less often than load. Default 5. */
  modelsEvery?: number;
  /** Signals count as fresh for this many intervals. Default 3. */
  staleAfterIntervals?: number;
  fetch?: typeof fetch;
  logger?: Logger;
  /** Milliseconds, for scrapeDue's rate limit. Default Date.now. */
  now?: () => number;
}

export interface HealthScraper {
  /** Scrapes every target now, then every interval. Idempotent. */
  start(): void;
  /** Stops the timer and aborts scrapes in flight. The recorded signals stay and age out. */
  stop(): void;
  /** One round over every target not already being scraped; resolves when the round is done. */
  scrapeOnce(): Promise<void>;
  /**
   * For runtimes without timers (Workers), called per request: starts a scrape of each of `targetIds`
   * (default: every scraped target) that is due, i.e. not being scraped and last scraped at least one
   * interval ago. Returns that work (it never rejects), or null when nothing was due.
   */
  scrapeDue(targetIds?: Iterable<string>): Promise<void> | null;
}

interface Scraped {
  target: TargetConfig;
  metricsURL: string;
  modelsURL: string | null;
  headers: Record<string, string>;
  round: number;
  inFlight: boolean;
  failing: boolean;
  /** When the last scrape started (scrapeDue's rate limit); null before the first. */
  startedAt: number | null;
}

/**
 * Feeds a TargetHealth by polling each replica's load (`/metrics`) and, for vLLM, its LoRA adapters
 * (`/v1/models`). At most one scrape per target is in flight: a round that finds one still running skips
 * that target. Failures are logged and recorded nowhere: the last good signals age out, and placement
 * then counts only the gateway's own in-flight calls. fetch only, so it runs on any runtime with timers.
 */
export function createHealthScraper(options: HealthScraperOptions): HealthScraper {
  const intervalMs = options.intervalMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? intervalMs;
  const modelsEvery = Math.max(1, options.modelsEvery ?? 5);
  const staleAfterMs = intervalMs * (options.staleAfterIntervals ?? 3);
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const { health } = options;

  const scraped: Scraped[] = [];
  for (const target of options.targets) {
    if (target.kind !== 'vllm' && target.kind !== 'trtllm') continue;
    const base = target.baseURL?.replace(/\/+$/, '');
    const metricsURL = target.metricsURL ?? (base ? `${base.replace(/\/v1$/, '')}/metrics` : undefined);
    if (!metricsURL) continue;
    scraped.push({
      target,
      metricsURL,
      // trtllm-serve has no LoRA: its model list never names adapters.
      modelsURL: target.kind === 'vllm' && base ? `${base}/models` : null,
      headers: {
        ...target.headers,
        ...(target.apiKey && { authorization: `Bearer ${target.apiKey}` }),
      },
      round: 0,
      inFlight: false,
      failing: false,
      startedAt: null,
    });
  }

  let timer: ReturnType<typeof setInterval> | undefined;
  const live = new Set<AbortController>();

  async function get(url: string, headers: Record<string, string>): Promise<string> {
    const controller = new AbortController();
    live.add(controller);
    const timeout = setTimeout(
      () => controller.abort(new Error(`scrape timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      const response = await fetchImpl(url, { headers, signal: controller.signal });
      const body = await response.text();
      if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}`);
      return body;
    } finally {
      clearTimeout(timeout);
      live.delete(controller);
    }
  }

  async function scrape(s: Scraped): Promise<void> {
    const { id, model } = s.target;
    const wantModels = s.modelsURL !== null && s.round % modelsEvery === 0;
    s.round++;
    const load = get(s.metricsURL, s.headers).then((body) => {
      const signals = loadFromMetricsBody(body, model);
      if (signals) health.recordLoad(id, signals, staleAfterMs);
    });
    const models =
      wantModels && s.modelsURL
        ? get(s.modelsURL, s.headers).then((body) => {
            const adapters = adaptersFromModelList(JSON.parse(body), model);
            if (adapters === null) throw new Error(`${s.modelsURL} did not return a model list`);
            health.recordAdapters(id, adapters, staleAfterMs * modelsEvery);
          })
        : Promise.resolve();
    const results = await Promise.allSettled([load, models]);
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    if (errors.length === 0) {
      if (s.failing) logger.info('gateway health scrape recovered', { target: id });
      s.failing = false;
      return;
    }
    const fields = { target: id, error: errors.map((e) => String(e?.message ?? e)).join('; ') };
    if (!s.failing)
      logger.warn('gateway health scrape failed; placement falls back to in-flight counts', fields);
    else logger.debug('gateway health scrape failed', fields);
    s.failing = true;
  }

  async function run(s: Scraped): Promise<void> {
    s.inFlight = true;
    s.startedAt = now();
    try {
      await scrape(s);
    } finally {
      s.inFlight = false;
    }
  }

  async function scrapeOnce(): Promise<void> {
    await Promise.all(scraped.filter((s) => !s.inFlight).map(run));
  }

  function scrapeDue(targetIds?: Iterable<string>): Promise<void> | null {
    const wanted = targetIds === undefined ? null : new Set(targetIds);
    const t = now();
    const due = scraped.filter(
      (s) =>
        (wanted === null || wanted.has(s.target.id)) &&
        !s.inFlight &&
        (s.startedAt === null || t - s.startedAt >= intervalMs),
    );
    if (due.length === 0) return null;
    return Promise.all(due.map(run)).then(() => undefined);
  }

  return {
    start() {
      if (timer !== undefined || scraped.length === 0) return;
      void scrapeOnce();
      timer = setInterval(() => void scrapeOnce(), intervalMs);
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      for (const controller of live) controller.abort(new Error('health scraper stopped'));
      live.clear();
    },
    scrapeOnce,
    scrapeDue,
  };
}
