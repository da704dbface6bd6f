/**
 * Screenshots of the heating pages over the benchmark's seeded year (Chromium through
 * playwright-core), for docs/images: the overview, its energy signature, a day view.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

/** Saves `web-heating-overview.png`, `web-heating-signature.png`, `web-heating-day.png`, `web-heating-zone.png` in `dir`. */
export async function heatingScreenshots(url: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    await page.goto(`${url}/heating?year=2022`);
    await page.screenshot({ path: path.join(dir, 'web-heating-overview.png'), fullPage: false });
    await page.locator('#energy-signature').screenshot({ path: path.join(dir, 'web-heating-signature.png') });
    await page.locator('#calendar').screenshot({ path: path.join(dir, 'web-heating-calendar.png') });
    await page.goto(`${url}/heating/zones/1/days/2022-01-27`);
    await page.screenshot({ path: path.join(dir, 'web-heating-day.png'), fullPage: false });
    await page.goto(`${url}/heating/zones/2?year=2022`);
    await page.locator('#trend').screenshot({ path: path.join(dir, 'web-heating-zone-trend.png') });
    process.stderr.write(`screenshots saved in ${dir}\n`);
  } finally {
    await browser.close();
  }
}
