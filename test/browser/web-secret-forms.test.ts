/**
 * The Variables page's add form in a real Chromium (Debian's, driven by playwright-core), on real
 * Postgres and Redis: signed in with the token, a variable added through the form is listed after
 * the redirect with the one-time message, its secret value masked, and is in the store.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFernetKey } from '../../src/secrets/secret-cipher.js';
import { secretStores } from '../../src/secrets/secret-stores.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'secret-forms-browser-token-4410';
const SECRET = 'browser-Secret-K72ud';

describe('adding a variable through the Variables page (Chromium)', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    h = await createTestOrchestrator('secretformsui', {
      env: { HEATFLOW_WEB_TOKEN: TOKEN, HEATFLOW_FERNET_KEY: generateFernetKey() },
    });
    web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    page = await browser.newPage();
    page.on('pageerror', (err) => {
      throw err;
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await h?.cleanup();
  });

  it('signs in, adds a variable with the form, and sees it listed', async () => {
    await page.goto(`${web.url}/variables`);
    expect(await page.locator('#add-variables').count()).toBe(0);
    await page.getByRole('link', { name: 'Sign in', exact: true }).click();
    await page.fill('#login-token input[name="token"]', TOKEN);
    await page.click('#login-token button[type="submit"]');
    await page.waitForURL(/\/variables$/);
    await page.click('#add-variables');
    await page.waitForURL(/\/variables\/new$/);
    await page.fill('#variable-form input[name="key"]', 'home_api_token');
    await page.fill('#variable-form textarea[name="value"]', SECRET);
    await page.fill('#variable-form textarea[name="description"]', 'added in the browser');
    await page.click('#variable-form button[type="submit"]');
    await page.waitForURL(/\/variables$/);
    expect(await page.locator('.flash').innerText()).toBe('Variable home_api_token added.');
    const row = page.locator('#variables tbody tr', { hasText: 'home_api_token' });
    expect(await row.locator('td').allInnerTexts()).toEqual([
      'home_api_token',
      '***',
      'added in the browser',
      'yes',
      'Edit · Delete',
    ]);
    expect(await page.content()).not.toContain(SECRET);
    expect((await secretStores(h.rt.db, h.config).variables.require('home_api_token')).value).toBe(SECRET);
  }, 60_000);
});
