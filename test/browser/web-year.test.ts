/**
 * A whole year in the calendar and the grid, in Chromium: 365 runs × 4 tasks written through the
 * repositories (as the scheduler and worker write them), some days failed, some running. Checks
 * the calendar's day colours and the grid's paging; saves screenshots to test-results/browser/.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { makeRunId } from '../../src/core/run-id.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns, setRunState } from '../../src/db/dag-run-repository.js';
import { claimTry, finishTry, insertTaskInstances, queueTis } from '../../src/db/task-instance-repository.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const SHOTS = path.resolve('test-results/browser');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TASKS = ['extract', 'validate', 'transform', 'load'];
const DAY_MS = 86_400_000;
const day0 = Date.UTC(2022, 0, 1, 1);

const dag = defineDag({
  dagId: 'tado_etl',
  description: 'daily ETL of tado° data, backfilled over 2022',
  schedule: '0 1 * * *',
  startDate: '2022-01-01',
  timezone: 'UTC',
  isPausedUponCreation: true,
  tags: ['tado'],
  tasks: TASKS.map((taskId, i) => ({
    taskId,
    command: ['true'],
    ...(i === 0 ? {} : { upstream: [TASKS[i - 1] as string] }),
  })),
});

/** Day index → outcome: a few failed days (load failed), the last two days still running. */
const outcome = (i: number): 'success' | 'failed' | 'running' =>
  i >= 363 ? 'running' : [40, 41, 97, 180, 250, 251, 252, 330].includes(i) ? 'failed' : 'success';

interface PageGlobals {
  getComputedStyle(el: unknown): { backgroundColor: string };
}
const BACKGROUND = (el: unknown): string =>
  (globalThis as unknown as PageGlobals).getComputedStyle(el).backgroundColor;

describe('a year of runs in the calendar and the grid (Chromium)', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    h = await createTestOrchestrator('webyear', { dags: [dag] });
    const db = h.rt.db;
    await syncDagBag(db, h.rt.registry.current(), new Date());
    const runs = Array.from({ length: 365 }, (_, i) => ({
      dagId: dag.dagId,
      runId: makeRunId('backfill', new Date(day0 + i * DAY_MS)),
      runType: 'backfill' as const,
      logicalDate: new Date(day0 + i * DAY_MS),
      dataIntervalStart: new Date(day0 + i * DAY_MS),
      dataIntervalEnd: new Date(day0 + (i + 1) * DAY_MS),
    }));
    await insertQueuedRuns(db, runs, new Date());
    const one = async (r: (typeof runs)[number], i: number) => {
      await insertTaskInstances(
        db,
        TASKS.map((taskId) => ({
          dagId: dag.dagId,
          runId: r.runId,
          taskId,
          maxTries: 1,
          pool: 'default_pool',
          poolSlots: 1,
        })),
      );
      await setRunState(db, dag.dagId, r.runId, 'running', new Date());
      const o = outcome(i);
      for (const taskId of o === 'running' ? TASKS.slice(0, 2) : TASKS) {
        const t = {
          dagId: dag.dagId,
          runId: r.runId,
          taskId,
          tryNumber: 1,
          leaseToken: `year-${i}-${taskId}`,
        };
        await db.transaction().execute((trx) => queueTis(trx, [t], 'process', new Date()));
        await claimTry(db, t, { workerId: 'w', hostname: 'h', logPath: '/dev/null' }, new Date());
        if (o === 'running' && taskId === 'validate') continue;
        const fail = o === 'failed' && taskId === 'load';
        await finishTry(
          db,
          t,
          fail
            ? { tiState: 'failed', tryState: 'failed', exitCode: 1, error: 'exit code 1', durationMs: 800 }
            : { tiState: 'success', tryState: 'success', exitCode: 0, durationMs: 400 + ((i * 37) % 900) },
          new Date(),
        );
      }
      if (o !== 'running') await setRunState(db, dag.dagId, r.runId, o, new Date());
    };
    for (let i = 0; i < runs.length; i += 8) {
      await Promise.all(runs.slice(i, i + 8).map((r, k) => one(r, i + k)));
    }
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
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await h?.cleanup();
  });

  it('colours every day of 2022 by its run: green, red on failed days, blue while running', async () => {
    await page.goto(`${web.url}/dags/tado_etl/calendar`);
    expect(await page.locator('#calendar span[data-state="success"]').count()).toBe(355);
    expect(await page.locator('#calendar span[data-state="failed"]').count()).toBe(8);
    expect(await page.locator('#calendar span[data-state="running"]').count()).toBe(2);
    expect(await page.locator('#calendar span[data-day="2022-02-10"]').evaluate(BACKGROUND)).toBe(
      'rgb(216, 56, 43)',
    );
    expect(await page.locator('#calendar span[data-day="2022-12-31"]').evaluate(BACKGROUND)).toBe(
      'rgb(23, 169, 212)',
    );
    expect(await page.locator('#calendar-summary').innerText()).toContain('365 days with runs');
    await page.screenshot({ path: path.join(SHOTS, 'calendar-year.png'), fullPage: true });
    // previous / next year links, also to a year without runs
    await page.locator('#cal-next').click();
    await page.waitForURL(/year=2023/);
    expect(await page.locator('#calendar-summary').innerText()).toContain('2023: 0 days with runs');
    await page.locator('#cal-prev').click();
    await page.waitForURL(/year=2022/);
    expect(await page.locator('#calendar span[data-state="success"]').count()).toBe(355);
  });

  it('pages the grid from the newest runs (oldest on the left), and the DAG list counts the year', async () => {
    await page.goto(`${web.url}/dags/tado_etl/grid`);
    // a page of the newest runs, the oldest of them on the left (as Airflow)
    expect(await page.locator('#grid th.run a').first().getAttribute('title')).toBe(
      'backfill__2022-12-02T01:00:00+00:00',
    );
    expect(await page.locator('#grid th.run a').last().getAttribute('title')).toBe(
      'backfill__2022-12-31T01:00:00+00:00',
    );
    expect(await page.locator('#grid a.cell[data-state="running"]').count()).toBe(2);
    // the grid takes the page's width (the box around it less its padding)
    const widths = await page
      .locator('.grid-wrap')
      .evaluate((el: { clientWidth: number; firstElementChild: { clientWidth: number } | null }) => [
        el.clientWidth,
        el.firstElementChild?.clientWidth ?? 0,
      ]);
    expect(widths[1]).toBeGreaterThan((widths[0] ?? 0) - 20);
    expect(widths[0]).toBeGreaterThan(900);
    expect(await page.locator('.pager').first().innerText()).toContain('runs 1–30 of 365');
    await page.getByText('← older').first().click();
    await page.waitForURL(/offset=30/);
    expect(await page.locator('#grid th.run a').last().getAttribute('title')).toBe(
      'backfill__2022-12-01T01:00:00+00:00',
    );
    expect(await page.locator('#grid a.cell[data-task-id="load"][data-state="failed"]').count()).toBe(1); // 2022-11-27
    await page.screenshot({ path: path.join(SHOTS, 'grid-year.png'), fullPage: true });
    await page.goto(`${web.url}/`);
    const counts = await page.locator('tr[data-dag-id="tado_etl"] .run-counts .count').allInnerTexts();
    expect(counts).toEqual(['355', '2', '0', '8']);
  });
});
