import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../ports/logger.js';
import { createOpenAIChatFake } from '../../testing/openai-chat-fake/openai-chat-fake.js';
import type { TargetConfig } from './gateway-config.js';
import { createHealthScraper } from './health-scraper.js';
import { createTargetHealth } from './health-store.js';

const VLLM_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const vllm = createOpenAIChatFake({
  baseURL: 'http://vllm-1.scrape.test/v1',
  flavour: 'vllm',
  loraAdapters: ['sql-lora'],
  apiKey: 'secret',
});
const trtllm = createOpenAIChatFake({ baseURL: 'http://trtllm-1.scrape.test/v1', flavour: 'trtllm' });
const server = setupServer(...vllm.handlers, ...trtllm.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  Object.assign(vllm.state, { running: 0, waiting: 0, kvCacheUsage: 0, loraAdapters: ['sql-lora'] });
  Object.assign(trtllm.state, { running: 0, waiting: 0, kvCacheUsage: 0 });
});
afterAll(() => server.close());

const targets: TargetConfig[] = [
  {
    id: 'vllm-1',
    kind: 'vllm',
    model: VLLM_MODEL,
    baseURL: 'http://vllm-1.scrape.test/v1',
    apiKey: 'secret',
  },
  { id: 'trt-1', kind: 'trtllm', model: 'Llama-3.1-8B-Instruct', baseURL: 'http://trtllm-1.scrape.test/v1' },
  // Not scraped: no load endpoint.
  { id: 'cloud', kind: 'openai-compatible', model: 'gpt-4o-mini', baseURL: 'http://cloud.scrape.test/v1' },
  { id: 'br', kind: 'bedrock', model: 'anthropic.claude', region: 'us-east-1' },
];

function manualClock() {
  let t = 5_000_000;
  return {
    now: () => new Date(t),
    advance: (ms: number) => {
      t += ms;
    },
  };
}

function recordingLogger() {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, msg, ...(fields && { fields }) });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

describe('createHealthScraper', () => {
  it("records vLLM's and trtllm's load and vLLM's LoRA adapters", async () => {
    const clock = manualClock();
    const health = createTargetHealth({ clock });
    Object.assign(vllm.state, { running: 3, waiting: 2, kvCacheUsage: 0.5 });
    Object.assign(trtllm.state, { running: 8, waiting: 1, kvCacheUsage: 0.25 });
    const scraper = createHealthScraper({ targets, health });
    await scraper.scrapeOnce();
    expect(health.get('vllm-1').load).toEqual({
      waiting: 2,
      running: 3,
      kvCacheUsage: 0.5,
      ageMs: 0,
      inFlightAtRecord: 0,
    });
    expect([...(health.get('vllm-1').adapters?.names ?? [])]).toEqual(['sql-lora']);
    expect(health.get('trt-1').load).toEqual({
      waiting: 1,
      running: 8,
      kvCacheUsage: 0.25,
      ageMs: 0,
      inFlightAtRecord: 0,
    });
    expect(health.get('trt-1').adapters).toBeNull();

    vllm.state.waiting = 9;
    vllm.state.loraAdapters.push('chat-lora');
    clock.advance(1_000);
    await scraper.scrapeOnce();
    expect(health.get('vllm-1').load?.waiting).toBe(9);
    // /v1/models is read every 5th round only.
    expect(health.get('vllm-1').adapters?.names.has('chat-lora')).toBe(false);
    for (let i = 0; i < 4; i++) await scraper.scrapeOnce();
    expect(health.get('vllm-1').adapters?.names.has('chat-lora')).toBe(true);
  });

  it('lets signals go stale after 3 intervals when scrapes fail, and logs the failure once', async () => {
    const clock = manualClock();
    const health = createTargetHealth({ clock });
    const { logger, lines } = recordingLogger();
    const scraper = createHealthScraper({ targets, health, intervalMs: 500, logger });
    vllm.state.running = 4;
    await scraper.scrapeOnce();
    expect(health.get('vllm-1').load?.running).toBe(4);

    server.use(
      http.get('http://vllm-1.scrape.test/metrics', () => new HttpResponse('oops', { status: 500 })),
    );
    for (let i = 0; i < 3; i++) {
      clock.advance(500);
      await scraper.scrapeOnce();
    }
    expect(health.get('vllm-1').load?.ageMs).toBe(1_500);
    clock.advance(1);
    expect(health.get('vllm-1').load).toBeNull();
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields).toMatchObject({
      target: 'vllm-1',
      error: expect.stringContaining('HTTP 500'),
    });

    server.resetHandlers();
    await scraper.scrapeOnce();
    expect(health.get('vllm-1').load?.running).toBe(4);
    expect(lines.at(-1)?.msg).toMatch(/recovered/);
  });

  it('ignores bodies that are not metrics, and a trtllm `[]` (stats off)', async () => {
    const health = createTargetHealth();
    server.use(
      http.get('http://vllm-1.scrape.test/metrics', () => HttpResponse.text('<html>proxy error</html>')),
      http.get('http://trtllm-1.scrape.test/metrics', () => HttpResponse.json([])),
    );
    await createHealthScraper({ targets, health }).scrapeOnce();
    expect(health.get('vllm-1').load).toBeNull();
    expect(health.get('trt-1').load).toBeNull();
    expect(health.get('vllm-1').adapters?.names.has('sql-lora')).toBe(true);
  });

  it('sends the target key to /v1/models, and honours a configured metricsURL', async () => {
    const health = createTargetHealth();
    let metricsHits = 0;
    server.use(
      http.get('http://trtllm-1.scrape.test/prometheus/metrics', () => {
        metricsHits++;
        return HttpResponse.text('trtllm_num_requests_running 2\ntrtllm_num_requests_waiting 1\n');
      }),
    );
    const withoutKey = targets.map((t) => (t.id === 'vllm-1' ? { ...t, apiKey: undefined } : t));
    await createHealthScraper({ targets: withoutKey, health }).scrapeOnce();
    expect(health.get('vllm-1').adapters).toBeNull(); // 401 without the key
    expect(health.get('vllm-1').load).not.toBeNull(); // /metrics stays open

    const custom = targets.map((t) =>
      t.id === 'trt-1' ? { ...t, metricsURL: 'http://trtllm-1.scrape.test/prometheus/metrics' } : t,
    );
    await createHealthScraper({ targets: custom, health }).scrapeOnce();
    expect(metricsHits).toBe(1);
    expect(health.get('trt-1').load).toMatchObject({ running: 2, waiting: 1, kvCacheUsage: null });
  });

  it('keeps at most one scrape per target in flight and times a slow one out', async () => {
    const health = createTargetHealth();
    let hits = 0;
    server.use(
      http.get('http://vllm-1.scrape.test/metrics', async () => {
        hits++;
        await new Promise((resolve) => setTimeout(resolve, 300));
        return HttpResponse.text('vllm:num_requests_running 1\n');
      }),
    );
    const { logger, lines } = recordingLogger();
    const scraper = createHealthScraper({ targets, health, timeoutMs: 50, logger });
    const first = scraper.scrapeOnce();
    await scraper.scrapeOnce(); // vllm-1 still in flight: skipped; trt-1 scraped again
    expect(hits).toBe(1);
    await first;
    expect(health.get('vllm-1').load).toBeNull();
    expect(lines.find((l) => l.level === 'warn')?.fields?.error).toMatch(/timed out/);
  });

  it('start() scrapes on its interval until stop()', async () => {
    const health = createTargetHealth();
    let hits = 0;
    server.use(
      http.get('http://vllm-1.scrape.test/metrics', () => {
        hits++;
        return HttpResponse.text(`vllm:num_requests_running ${hits}\n`);
      }),
    );
    const scraper = createHealthScraper({ targets, health, intervalMs: 20 });
    scraper.start();
    scraper.start(); // idempotent
    await vi.waitFor(() => expect(hits).toBeGreaterThanOrEqual(3), { timeout: 2_000 });
    scraper.stop();
    const stoppedAt = hits;
    await vi.waitFor(() => expect(health.get('vllm-1').load?.running).toBeGreaterThanOrEqual(3));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hits).toBeLessThanOrEqual(stoppedAt + 1);
    // Fresh for 3 intervals (60 ms), then gone: placement falls back to in-flight counts.
    expect(health.get('vllm-1').load).toBeNull();
  });

  it('scrapeDue() scrapes only what is due, and a failed scrape still resolves', async () => {
    const clock = manualClock();
    const health = createTargetHealth({ clock });
    server.use(http.get('http://trtllm-1.scrape.test/metrics', () => HttpResponse.error()));
    const scraper = createHealthScraper({
      targets,
      health,
      intervalMs: 1_000,
      now: () => clock.now().getTime(),
    });
    vllm.state.running = 2;
    await expect(scraper.scrapeDue()).resolves.toBeUndefined();
    expect(health.get('vllm-1').load?.running).toBe(2);
    expect(scraper.scrapeDue()).toBeNull();
    clock.advance(1_000);
    vllm.state.running = 5;
    // Only the targets asked for; the others stay due.
    await scraper.scrapeDue(['trt-1']);
    expect(health.get('vllm-1').load?.running).toBe(2);
    await scraper.scrapeDue(['vllm-1', 'cloud', 'br']);
    expect(health.get('vllm-1').load?.running).toBe(5);
    expect(scraper.scrapeDue(['vllm-1', 'trt-1', 'cloud'])).toBeNull();
  });
});
