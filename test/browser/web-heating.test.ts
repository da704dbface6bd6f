/**
 * The heating pages in Chromium, on a range backfilled by the real tado_etl and analysed by the
 * real heating_analytics (test/helpers/heating-dashboard-fixture.ts: 2022-03-08..27; needs
 * `npm run build`). Each page's server-rendered ECharts SVG is checked for its series (points
 * counted by ECharts' `ecmeta_series_index` marks, lines found by their fixed stroke colour and
 * counted by vertices), the calendar → day view → run links are followed by clicking, bad URLs
 * show an HTML message, and no page logs a console error. Screenshots: test-results/browser/heating-*.png.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERIES_COLOURS } from '../../src/web/charts/echarts-svg.js';
import { createHeatingDashboard, type HeatingDashboard } from '../helpers/heating-dashboard-fixture.js';

const SHOTS = path.resolve('test-results/browser');
/** What the tests read of a DOM element (the DOM's types are not in this project's lib). */
interface El {
  getAttribute(name: string): string | null;
}
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let f: HeatingDashboard;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

async function q<T>(query: ReturnType<typeof sql<T>>): Promise<T[]> {
  return (await query.execute(f.h.rt.db)).rows;
}
/** Data points ECharts drew for series `series` of the chart in `#figure`. */
const pointsOf = (figure: string, series: number) =>
  page.locator(`#${figure} svg [ecmeta_series_index="${series}"][ecmeta_ssr_type="chart"]`).count();
/** Days of the energy signature: subpaths of its one scatter path (ECharts' large mode). */
async function signaturePoints(): Promise<number> {
  const ds = await page
    .locator(`#signature-chart svg path[fill="${SERIES_COLOURS.points}"]:not([ecmeta_ssr_type="legend"])`)
    .evaluateAll((els: El[]) => els.map((e) => e.getAttribute('d') ?? ''));
  return ds.reduce((n, d) => n + (d.match(/M/g) ?? []).length, 0);
}
/** Vertices of each path of the chart in `#figure` stroked with `colour`. */
async function strokeVertices(figure: string, colour: string): Promise<number[]> {
  const ds = await page
    .locator(`#${figure} svg path[stroke="${colour}"]`)
    .evaluateAll((els: El[]) => els.map((e) => e.getAttribute('d') ?? ''));
  return ds.map((d) => (d.match(/[ML]/g) ?? []).length);
}

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  f = await createHeatingDashboard('heatingui');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('response', (r) => {
    if (
      r.status() >= 400 &&
      !r.url().includes('/heating/zones/9') &&
      !r.url().includes('2022-02-30') &&
      !r.url().includes('2031')
    )
      consoleErrors.push(`HTTP ${r.status()} ${r.url()}`);
  });
}, 400_000);
afterAll(async () => {
  await browser?.close();
  await f?.cleanup();
});

describe('heating pages (Chromium)', () => {
  it('opens the overview from the top bar: yearly figures, signature with its fit, months, calendar', async () => {
    await page.goto(`${f.web.url}/`);
    await page.locator('header.top nav a', { hasText: 'Heating' }).click();
    await page.waitForURL(/\/heating$/);
    expect(await page.locator('h1').textContent()).toBe('Heating 2022');
    expect(await page.locator('#yearly-figures tbody tr').count()).toBe(4); // home + 3 zones in March
    const days = await q<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM analytics.home_day_metrics WHERE outside_mean_c IS NOT NULL`,
    );
    expect(await signaturePoints()).toBe(days[0]?.n);
    const fit = await strokeVertices('signature-chart', SERIES_COLOURS.fit);
    expect(fit.length).toBeGreaterThan(0);
    expect(Math.max(...fit)).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#verdict').textContent()).toMatch(/^(Yes|No): /);
    expect(await page.locator('#fit-figures').textContent()).toContain('balance temperature');
    expect(await pointsOf('monthly-chart', 0)).toBe(1); // March's bar
    // the numbers of a chart are in its table, one row per point
    expect(await page.locator('#signature-chart-data tbody tr').count()).toBe(days[0]?.n);
    expect(await page.locator('#heat-calendar a.hm-day').count()).toBe(20);
    expect(await page.locator('#heat-calendar a.hm-day.unusual').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SHOTS, 'heating-overview.png'), fullPage: true });
    await page.locator('#energy-signature').screenshot({ path: path.join(SHOTS, 'heating-signature.png') });
  });

  it('follows the calendar to the day view, and the day view to its tado_etl and heating_analytics runs', async () => {
    await page.goto(`${f.web.url}/heating?year=2022`);
    await page.locator('#heat-calendar a.hm-day[data-date="2022-03-08"]').click();
    // 8 March is unusual for zone 3 (the sensor dropout), so its calendar day opens zone 3
    await page.waitForURL(/\/heating\/zones\/3\/days\/2022-03-08$/);
    expect(await page.locator('h1').textContent()).toBe('Kitchen · 2022-03-08');
    // interpolated series: a vertex a minute (downsampled); step series: one per change
    for (const colour of [SERIES_COLOURS.inside, SERIES_COLOURS.humidity])
      expect(Math.max(...(await strokeVertices('day-chart', colour))), colour).toBeGreaterThan(100);
    const outdoorChanges = await q<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM (
        SELECT outside_c IS DISTINCT FROM lag(outside_c) OVER (ORDER BY minute_start) AS changed
        FROM analytics.zone_minute WHERE zone_id = 3 AND local_date = '2022-03-08') c WHERE changed`);
    // drawn with step 'end': two vertices per change (across, then up or down)
    expect(Math.max(...(await strokeVertices('day-chart', SERIES_COLOURS.outside)))).toBeGreaterThanOrEqual(
      outdoorChanges[0]?.n ?? Infinity,
    );
    expect((await strokeVertices('day-chart', SERIES_COLOURS.setpoint)).length).toBeGreaterThan(0);
    expect(
      await page.locator(`#day-chart svg path[fill="${SERIES_COLOURS.demand}"]`).count(),
    ).toBeGreaterThan(0);
    // the dropout: an offline span shaded on both grids, its readings set aside
    expect(
      await page.locator(`#day-chart svg polygon[fill="${SERIES_COLOURS.offline}"]`).count(),
    ).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#offline-spans').textContent()).toMatch(/\d\d:\d\d–\d\d:\d\d/);
    expect(await page.locator('#day-unusual').textContent()).toContain('low_coverage');
    expect(await page.locator('#day-chart-data tbody tr').count()).toBe(96);
    await page.screenshot({ path: path.join(SHOTS, 'heating-day.png'), fullPage: true });

    const etl = page.locator('a.run-link[data-dag="tado_etl"]');
    expect(await etl.count()).toBe(1);
    const etlRun = (await etl.textContent()) ?? '';
    await etl.click();
    await page.waitForURL(/\/dags\/tado_etl\/runs\//);
    expect(await page.content()).toContain(etlRun);
    await page.goBack();
    const ana = page.locator('a.run-link[data-dag="heating_analytics"]');
    const anaRun = (await ana.textContent()) ?? '';
    await ana.click();
    await page.waitForURL(/\/dags\/heating_analytics\/runs\//);
    expect(await page.content()).toContain(anaRun);
  });

  it('draws the spring-forward day with its 23 hours on the local clock', async () => {
    await page.goto(`${f.web.url}/heating/zones/1/days/2022-03-27`);
    expect(await page.locator('#day-length').textContent()).toContain('23 hours (1380 minutes)');
    const labels = await page.locator('#day-chart svg text').allTextContents();
    expect(labels).toEqual(expect.arrayContaining(['00:00', '04:00', '22:00']));
    expect(labels).not.toContain('03:00'); // 00:00 + 3 h is 04:00 BST
    // the neighbour links and the other zones' same day
    await page.locator('.day-nav a.zone-link', { hasText: 'Bedroom' }).click();
    await page.waitForURL(/\/heating\/zones\/2\/days\/2022-03-27$/);
  });

  it('shows a zone with its indoor-against-setpoint trend', async () => {
    await page.goto(`${f.web.url}/heating?year=2022`);
    await page.locator('nav.tabs a', { hasText: 'Living room' }).click();
    await page.waitForURL(/\/heating\/zones\/1\?year=2022$/);
    expect(Math.max(...(await strokeVertices('trend-chart', SERIES_COLOURS.inside)))).toBeGreaterThanOrEqual(
      10,
    );
    expect((await strokeVertices('trend-chart', SERIES_COLOURS.setpoint)).length).toBeGreaterThan(0);
    expect(await signaturePoints()).toBe(20);
    await page.locator('#heat-calendar a.hm-day[data-date="2022-03-15"]').click();
    await page.waitForURL(/\/heating\/zones\/1\/days\/2022-03-15$/);
  });

  it('sorts the unusual days by clicking a heading and links each to its day', async () => {
    await page.goto(`${f.web.url}/heating/unusual-days?year=2022`);
    const rows = page.locator('#unusual-days tbody tr');
    const n = await rows.count();
    expect(n).toBeGreaterThan(0);
    await page.locator('#unusual-days th a[data-sort="reason"]').click();
    await page.waitForURL(/sort=reason/);
    const reasons = await page
      .locator('#unusual-days tbody tr')
      .evaluateAll((els: El[]) => els.map((e) => e.getAttribute('data-reason') ?? ''));
    expect(reasons).toEqual([...reasons].sort());
    await page.locator('#unusual-days th a[data-sort="reason"]').click();
    await page.waitForURL(/sort=-reason/);
    const desc = await page
      .locator('#unusual-days tbody tr')
      .evaluateAll((els: El[]) => els.map((e) => e.getAttribute('data-reason') ?? ''));
    expect(desc).toEqual([...reasons].reverse());
    const low = page.locator('#unusual-days tr[data-reason="low_coverage"] a.day-link').first();
    const date = (await low.textContent()) ?? '';
    await low.click();
    await page.waitForURL(new RegExp(`/heating/zones/\\d+/days/${date}$`));
    expect(await page.locator('#day-unusual').textContent()).toContain('low_coverage');
  });

  it('shows bad URLs as an HTML page with a clear message', async () => {
    // a page of its own: Chromium logs each 4xx as a console error, which is the point here
    const bad = await browser.newPage();
    for (const [url, text] of [
      ['/heating/zones/9/days/2022-03-10', 'zone 9 is not a heating zone'],
      ['/heating/zones/1/days/2022-02-30', '"2022-02-30" is not a calendar date'],
      ['/heating?year=2031', 'no heating analysis is stored for 2031 (years with data: 2022)'],
    ] as const) {
      const r = await bad.goto(`${f.web.url}${url}`);
      expect(r?.status(), url).toBeGreaterThanOrEqual(400);
      expect(r?.headers()['content-type'], url).toContain('text/html');
      expect(await bad.locator('#error-detail').textContent(), url).toContain(text);
    }
    await bad.screenshot({ path: path.join(SHOTS, 'heating-bad-url.png') });
    await bad.close();
  });

  it('logged no console error on any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
