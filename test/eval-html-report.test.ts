import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import {
  baselineRun,
  candidateRun,
  HOSTILE_CASE_ID,
  HOSTILE_OUTPUT,
  LONG_INPUT,
} from '../packages/eval/src/reports/html/html-report-fixtures.js';
import { renderHtmlReport } from '../packages/eval/src/reports/html-report.js';

// The HTML report opened the way a reviewer opens a CI artifact: from disk, in a real browser, offline.
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const SCREENSHOT = join(tmpdir(), 'ragline-eval-html-report.png');

/** The text as rendered (Playwright's innerText: hidden elements excluded, table cells tab-separated). */
function visibleText(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: a Playwright Locator method, not the DOM property; the rendered text is the point.
  return locator.innerText();
}

function requireChromium(context: TestContext): void {
  if (available) return;
  if (process.env.CI) {
    throw new Error(
      `${CHROMIUM} is missing: the HTML report check needs Debian's chromium (apt-get install chromium)`,
    );
  }
  context.skip(
    `${CHROMIUM} is not installed (apt-get install chromium); the HTML report is not checked in a browser`,
  );
}

describe('the HTML eval report in headless Chromium', () => {
  let browser: Browser | undefined;
  let page: Page;
  let directory: string | undefined;
  const requests: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!available) return;
    directory = await mkdtemp(join(tmpdir(), 'ragline-eval-html-'));
    const file = join(directory, 'report.html');
    await writeFile(file, renderHtmlReport(candidateRun(), { baseline: baselineRun() }), 'utf8');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.route(
      (url) => url.protocol !== 'file:',
      (route) => route.abort(),
    );
    page = await context.newPage();
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it('loads from disk without a single request beyond the file and without errors', (context) => {
    requireChromium(context);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatch(/^file:\/\/.*\/report\.html$/);
    expect(consoleErrors).toEqual([]);
  });

  it('shows the verdict, the failing metric and the gate rows', async (context) => {
    requireChromium(context);
    await expect(page.title()).resolves.toBe('Ragline eval: support-answers: GATE FAILED');
    const verdict = page.locator('#verdict');
    expect(await visibleText(verdict)).toBe('GATE FAILED');
    expect(await verdict.getAttribute('data-verdict')).toBe('gate-failed');
    expect(await verdict.isVisible()).toBe(true);
    expect(await visibleText(page.locator('#failing-metrics'))).toBe('Failing metrics: f1');

    const absolute = page.locator('#absolute-gates tbody tr');
    expect(await absolute.allInnerTexts()).toEqual([
      'f1\tpassRate\t0.667\t>=\t0.800\t5\tfail',
      'exact\tmean\t0.400\t>=\t0.300\t5\tpass',
    ]);
    expect(await page.locator('#operational-gates tbody tr').allInnerTexts()).toEqual([
      'latencyP95Ms\t500 ms\t<=\t1000 ms\tpass',
      'costPerCaseMicros\t$0.000790\t<=\t$0.001500\tpass',
    ]);
    expect(await visibleText(page.locator('#baseline-gates tbody tr[data-verdict="regressed"]'))).toBe(
      'f1\thigher\t5\t-0.110\t[-0.300, -0.060]\t0.050\tregressed',
    );
    expect(await visibleText(page.locator('#quarantined'))).toBe('c5');
  });

  it('renders every SVG chart with a real size: the forest plot and a histogram per metric', async (context) => {
    requireChromium(context);
    const charts = page.locator('svg.chart');
    expect(await charts.count()).toBe(3);
    for (const chart of await charts.all()) {
      const box = await chart.boundingBox();
      expect(box?.width).toBeGreaterThan(100);
      expect(box?.height).toBeGreaterThan(50);
    }
    const interval = await page
      .locator('svg.forest-plot g[data-metric="f1"] rect.interval.regressed')
      .boundingBox();
    expect(interval?.width).toBeGreaterThan(50);
    const zero = await page.locator('svg.forest-plot g[data-metric="f1"] line.zero').boundingBox();
    // The whole f1 interval lies left of zero.
    expect((interval?.x ?? 0) + (interval?.width ?? 0)).toBeLessThan(zero?.x ?? 0);

    const histogram = page.locator('svg.histogram[data-metric="f1"]');
    expect(await histogram.locator('rect.bar.candidate').count()).toBe(10);
    expect(await histogram.locator('rect.bar.baseline').count()).toBe(10);
    const full = await histogram.locator('rect.bar.candidate[data-bin="9"]').boundingBox();
    const half = await histogram.locator('rect.bar.candidate[data-bin="0"]').boundingBox();
    const empty = await histogram.locator('rect.bar.candidate[data-bin="1"]').boundingBox();
    // Counts 2, 1 and 0 cases: bar heights in the same proportion.
    expect(full?.height).toBeGreaterThan(20);
    expect(half?.height).toBeCloseTo((full?.height ?? 0) / 2, 0);
    expect(empty?.height ?? 0).toBe(0);
  });

  it('lists case diffs worst regression first, with the hostile output shown as text', async (context) => {
    requireChromium(context);
    const ids = await page
      .locator('#cases tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-case-id')));
    expect(ids).toEqual(['c3', HOSTILE_CASE_ID, 'c1', 'c4', 'c5']);

    const row = page.locator('#cases tbody tr').nth(1);
    expect(await row.getAttribute('class')).toBe('regression');
    const diff = row.locator('td.diff[data-metric="f1"]');
    expect(await visibleText(diff)).toBe('-0.500');
    const color = await diff.evaluate((cell) => getComputedStyle(cell).color);
    expect(color).toBe('rgb(207, 34, 46)');
    expect(await visibleText(row.locator('td.output'))).toBe(HOSTILE_OUTPUT);
    expect(await visibleText(row.locator('td.baseline-output'))).toBe('It is safe.');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('#cases img, #cases script').count()).toBe(0);
  });

  it('keeps the full long input behind its truncated summary', async (context) => {
    requireChromium(context);
    const details = page.locator('#cases tr[data-case-id="c3"] details').first();
    const full = details.locator('pre');
    expect(await full.isVisible()).toBe(false);
    // For a human look (not asserted): the whole page as a reviewer first sees it.
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await details.locator('summary').click();
    expect(await full.isVisible()).toBe(true);
    expect(await visibleText(full)).toBe(LONG_INPUT);
  });
});
