/**
 * The status pages in a real Chromium (Debian's, driven by playwright-core) after a real 30-day
 * backfill run by the scheduler and a worker with the process executor, on real Postgres and
 * Redis. Screenshots go to test-results/browser/ (docs/images/ holds a copy of each page).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { parseDagDate } from '../../src/core/timetable.js';
import { countRunsByState } from '../../src/db/dag-run-repository.js';
import { createBackfill } from '../../src/scheduler/dag-run-service.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { STATE_COLOURS } from '../../src/web/assets.js';
import { TASK_PALETTE } from '../../src/web/charts/durations-chart.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

const TOKEN = 'browser-test-token-5678';
const SHOTS = path.resolve('test-results/browser');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The page's globals, typed just enough (the test's TypeScript has no DOM lib). */
interface PageGlobals {
  getComputedStyle(el: unknown): { backgroundColor: string };
  document: { getElementById(id: string): { textContent: string | null } | null };
}
/** Runs in the page: an element's computed background colour. */
const BACKGROUND = (el: unknown): string =>
  (globalThis as unknown as PageGlobals).getComputedStyle(el).backgroundColor;
/** Runs in the page: does an element's text contain this? */
const textIncludes = ([id, text]: [string, string]): boolean =>
  ((globalThis as unknown as PageGlobals).document.getElementById(id)?.textContent ?? '').includes(text);

/** A task that prints a few JSON log lines and returns a small XCom; `slowMs` spreads its output over time. */
const task = (name: string, slowMs = 0): string[] => [
  'node',
  '-e',
  `const fs=require('node:fs');let i=0;const n=${slowMs > 0 ? 8 : 3};
const tick=()=>{console.log(JSON.stringify({msg:'${name} step '+(++i)+' of '+n,ds:process.env.HEATFLOW_DS}));
if(i<n){setTimeout(tick,${slowMs > 0 ? Math.round(slowMs / 8) : 5})}else{fs.writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH,JSON.stringify({task:'${name}',ds:process.env.HEATFLOW_DS,rows:24}))}};tick();`,
];

const etl = defineDag({
  dagId: 'tado_etl_demo',
  description: 'extract → validate → transform → load, one day of tado° data per run',
  schedule: '0 1 * * *',
  startDate: '2022-01-01',
  timezone: 'Europe/London',
  isPausedUponCreation: true,
  maxActiveRuns: 4,
  tags: ['tado', 'etl'],
  tasks: [
    { taskId: 'extract', command: task('extract') },
    { taskId: 'validate', command: task('validate'), upstream: ['extract'] },
    { taskId: 'transform', command: task('transform'), upstream: ['validate'] },
    { taskId: 'load', command: task('load'), upstream: ['transform'] },
  ],
});

const slow = defineDag({
  dagId: 'slow_demo',
  description: 'one task that logs for a few seconds (live log)',
  schedule: null,
  startDate: '2022-01-01',
  isPausedUponCreation: false,
  tasks: [{ taskId: 'long_task', command: task('long_task', 8000) }],
});

describe('status pages in Chromium after a 30-day backfill', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    h = await createTestOrchestrator('webui', { dags: [etl, slow], env: { HEATFLOW_WEB_TOKEN: TOKEN } });
    await h.startScheduler();
    await h.startWorker({ concurrency: 4 });
    const tz = 'Europe/London';
    const { backfill } = await createBackfill(h.rt.deps, etl, {
      from: parseDagDate('2022-01-01', tz, false),
      to: parseDagDate('2022-01-30', tz, true),
      maxActiveRuns: 4,
    });
    await waitFor(
      'the 30-day backfill to finish',
      async () => {
        const c = await countRunsByState(h.rt.db, { backfillId: backfill?.id ?? '' });
        return (c.success ?? 0) + (c.failed ?? 0) === 30 ? c : undefined;
      },
      180_000,
      250,
    );
    web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (err) => {
      throw err;
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await h?.cleanup();
  });

  it('DAG list shows the DAG, its schedule, last run state and run counts', async () => {
    await page.goto(`${web.url}/`);
    const row = page.locator('tr[data-dag-id="tado_etl_demo"]');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('td').nth(2).innerText()).toContain('0 1 * * *');
    expect(await row.locator('.run-counts .state-success').innerText()).toBe('30');
    expect(await row.locator('.badge').allInnerTexts()).toContain('success');
    await shot('dag-list');
  });

  it('grid shows 30 runs × 4 tasks, all success, the newest on the right; a click opens the task instance and its log', async () => {
    await page.goto(`${web.url}/dags/tado_etl_demo/grid`);
    const cells = page.locator('#grid a.cell');
    expect(await cells.count()).toBe(120);
    expect(await page.locator('#grid a.cell[data-state="success"]').count()).toBe(120);
    expect(await cells.first().evaluate(BACKGROUND)).toBe('rgb(46, 158, 68)');
    const newest = await page.locator('#grid th.run a').last().getAttribute('title');
    expect(newest).toBe('backfill__2022-01-30T01:00:00+00:00');
    await shot('grid');

    await page.locator('#grid a.cell[data-task-id="validate"]').nth(3).click();
    await page.waitForSelector('#log-content');
    expect(await page.locator('#ti-task-id').innerText()).toBe('validate');
    const log = await page.locator('#log-content').innerText();
    expect(log).toContain('validate step 3 of 3');
    expect(await page.locator('#tries tbody tr').count()).toBe(1);
    expect(await page.locator('#tries tbody tr td').nth(5).innerText()).toBe('0'); // exit code
    expect(await page.locator('#xcoms').innerText()).toContain('"rows": 24');
    await shot('task-instance');
  });

  it('calendar colours January 1–30 of 2022 as success', async () => {
    await page.goto(`${web.url}/dags/tado_etl_demo/calendar`);
    expect(await page.locator('#calendar span[data-state="success"]').count()).toBe(30);
    expect(await page.locator('#calendar span[data-day="2022-01-31"]').getAttribute('data-state')).toBe('');
    // the colours really show (the success green, and the grey of a day without a run)
    const colour = (day: string) => page.locator(`#calendar span[data-day="${day}"]`).evaluate(BACKGROUND);
    expect(await colour('2022-01-15')).toBe('rgb(46, 158, 68)');
    expect(await colour('2022-02-15')).toBe('rgb(236, 239, 243)');
    await shot('calendar');
  });

  it('task durations chart and a run Gantt chart are server-drawn SVG (ECharts) with their numbers', async () => {
    await page.goto(`${web.url}/dags/tado_etl_demo/durations`);
    // one line per task, each in its palette colour, across the 30 runs
    for (const colour of TASK_PALETTE.slice(0, 4)) {
      const ds = await page
        .locator(`#durations-chart svg path[stroke="${colour}"]`)
        .evaluateAll((els: { getAttribute(n: string): string | null }[]) =>
          els.map((e) => e.getAttribute('d') ?? ''),
        );
      // the line itself: 30 vertices (the legend's icon and the point symbols have a few)
      expect(Math.max(...ds.map((d) => d.match(/[ML]/g)?.length ?? 0)), colour).toBe(30);
    }
    expect(await page.locator('#durations-chart-data tbody tr').count()).toBe(30);
    await shot('durations');
    await page.goto(
      `${web.url}/dags/tado_etl_demo/runs/${encodeURIComponent('backfill__2022-01-15T01:00:00+00:00')}`,
    );
    // a bar per task, in the success colour (the transparent offset bars are silent)
    expect(
      await page
        .locator(`#gantt-chart svg path[fill="${STATE_COLOURS.success}"][ecmeta_series_index="1"]`)
        .count(),
    ).toBe(4);
    expect(await page.locator('#gantt-chart-data tbody tr').count()).toBe(4);
    expect(await page.locator('#run-tis tbody tr').count()).toBe(4);
    await shot('gantt');
  });

  it('backfills page shows the range and 30/30 progress', async () => {
    await page.goto(`${web.url}/backfills`);
    const row = page.locator('#backfills tbody tr').first();
    expect(await row.locator('.progress-text').innerText()).toContain('30 / 30 runs done');
    expect(await row.innerText()).toContain('completed');
    await shot('backfills');
  });

  it('signs in with the token, triggers a run that appears in the grid, and follows a running try live', async () => {
    await page.goto(`${web.url}/dags/slow_demo/grid`);
    expect(await page.locator('form[action$="/trigger"]').count()).toBe(0); // read-only until signed in
    await page.getByText('Sign in to act').click();
    await page.fill('input[name="token"]', TOKEN);
    await page.click('#login-token button[type="submit"]');
    await page.waitForURL(/\/dags\/slow_demo\/grid$/);
    await page.click('form[action="/dags/slow_demo/trigger"] button[type="submit"]');
    await page.waitForURL(/\/dags\/slow_demo\/grid$/);
    expect(await page.locator('.flash').innerText()).toMatch(/^Triggered run manual__/);
    const cell = page.locator('#grid a.cell[data-task-id="long_task"]').first();
    expect(await cell.count()).toBe(1);
    // wait for the try to run, then open it: the page follows the log as it grows
    await waitFor(
      'long_task to start',
      async () =>
        (
          await h.rt.db
            .selectFrom('heatflow.task_instances')
            .select('state')
            .where('dag_id', '=', 'slow_demo')
            .executeTakeFirst()
        )?.state === 'running'
          ? true
          : undefined,
      30_000,
    );
    await page.reload();
    await page.locator('#grid a.cell[data-task-id="long_task"]').first().click();
    await page.waitForSelector('#log-content');
    expect(await page.locator('#log-status').innerText()).toContain('following live');
    await page.waitForFunction(textIncludes, ['log-content', 'long_task step 8 of 8'] as [string, string], {
      timeout: 30_000,
    });
    await page.waitForFunction(textIncludes, ['log-status', 'log complete'] as [string, string], {
      timeout: 30_000,
    });
    await shot('task-instance-live');
  }, 90_000);
});
