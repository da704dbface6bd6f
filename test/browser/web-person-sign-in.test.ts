/**
 * Sign-in for people in a real Chromium (Debian's, driven by playwright-core), on real Postgres
 * and Redis: a wrong password is refused on the page, the right one signs the person in (the
 * header names them), their trigger is recorded in the event log under their name, and signing
 * out takes the actions away again.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from '../../src/audit/event-log.js';
import { defineDag } from '../../src/core/define-dag.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { createUser } from '../../src/db/user-repository.js';
import { hashPassword } from '../../src/web/password-hash.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const dag = defineDag({
  dagId: 'person_dag',
  schedule: null,
  startDate: '2022-01-01',
  isPausedUponCreation: true,
  tasks: [{ taskId: 'a', command: ['node', '-e', '0'] }],
});

describe('a person signs in with username and password (Chromium)', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    h = await createTestOrchestrator('personui', {
      dags: [dag],
      env: { HEATFLOW_WEB_TOKEN: 'person-browser-token-9876' },
    });
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    await createUser(h.rt.db, { username: 'dana', passwordHash: await hashPassword('dana-password-7') });
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

  it('refuses a wrong password on the page and stays read-only', async () => {
    await page.goto(`${web.url}/dags/person_dag/grid`);
    expect(await page.locator('form[action$="/trigger"]').count()).toBe(0);
    await page.getByText('Sign in to act').click();
    await page.fill('#login-person input[name="username"]', 'dana');
    await page.fill('#login-person input[name="password"]', 'not-her-password');
    await page.click('#login-person button[type="submit"]');
    expect(await page.locator('#login-error').innerText()).toBe('Wrong username or password.');
    await page.goto(`${web.url}/dags/person_dag/grid`);
    expect(await page.locator('form[action$="/trigger"]').count()).toBe(0);
  }, 60_000);

  it('signs in, names the person, records their trigger under their name, and signs out', async () => {
    await page.goto(`${web.url}/login?next=${encodeURIComponent('/dags/person_dag/grid')}`);
    await page.fill('#login-person input[name="username"]', 'dana');
    await page.fill('#login-person input[name="password"]', 'dana-password-7');
    await page.click('#login-person button[type="submit"]');
    await page.waitForURL(/\/dags\/person_dag\/grid$/);
    expect(await page.locator('#signed-in-as').innerText()).toBe('signed in as dana');
    await page.click('form[action="/dags/person_dag/trigger"] button[type="submit"]');
    await page.waitForURL(/\/dags\/person_dag\/grid$/);
    expect(await page.locator('.flash').innerText()).toMatch(/^Triggered run manual__/);
    const { events } = await listEvents(h.rt.db, { event: 'trigger' });
    expect(events.map((e) => [e.owner, e.dag_id])).toEqual([['dana', 'person_dag']]);
    // the event log page shows it too
    await page.goto(`${web.url}/event-log`);
    expect(await page.locator('main').innerText()).toContain('dana');
    await page.click('form[action="/logout"] button[type="submit"]');
    await page.goto(`${web.url}/dags/person_dag/grid`);
    expect(await page.locator('#signed-in-as').count()).toBe(0);
    expect(await page.locator('form[action$="/trigger"]').count()).toBe(0);
  }, 60_000);
});
