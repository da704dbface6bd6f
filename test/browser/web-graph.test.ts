/**
 * The Graph view in Chromium: tado_etl (extract → validate → transform → load → tado://warehouse)
 * and heating_analytics scheduled on that asset, runs and tries written through the repositories
 * as the scheduler and worker write them. Checks each task's fill by computed colour, the run
 * selector, the links (task instance with its readable log, assets, the DAG across the asset),
 * and that no page logs a console error. Screenshots: test-results/browser/graph*.png.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asset } from '../../src/core/asset.js';
import { defineDag } from '../../src/core/define-dag.js';
import { makeRunId } from '../../src/core/run-id.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns, setRunState } from '../../src/db/dag-run-repository.js';
import { claimTry, finishTry, insertTaskInstances, queueTis } from '../../src/db/task-instance-repository.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { tryLogPath } from '../../src/worker/log-paths.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const SHOTS = path.resolve('test-results/browser');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WAREHOUSE = asset('tado://warehouse');
const cmd = ['true'];
const ETL = ['extract', 'validate', 'transform', 'load'];
const etl = defineDag({
  dagId: 'tado_etl',
  schedule: '0 1 * * *',
  startDate: '2022-01-01',
  timezone: 'Europe/Madrid',
  isPausedUponCreation: true,
  tasks: ETL.map((taskId, i) => ({
    taskId,
    command: cmd,
    ...(i === 0 ? {} : { upstream: [ETL[i - 1] as string] }),
    ...(taskId === 'load' ? { outlets: [WAREHOUSE] } : {}),
  })),
});
const analytics = defineDag({
  dagId: 'heating_analytics',
  schedule: [WAREHOUSE],
  startDate: '2022-01-01',
  isPausedUponCreation: true,
  tasks: [
    { taskId: 'clean', command: cmd },
    { taskId: 'resample', command: cmd, upstream: ['clean'] },
    { taskId: 'merge', command: cmd, upstream: ['resample'] },
    { taskId: 'daily_metrics', command: cmd, upstream: ['resample'] },
    { taskId: 'weather_dependence', command: cmd, upstream: ['daily_metrics'] },
  ],
});
const DAY = 86_400_000;
const day0 = Date.UTC(2022, 0, 1, 0);
const runIdOf = (i: number) => makeRunId('scheduled', new Date(day0 + i * DAY));
/** Per run: the state each task ends in (missing: not started). Run 1 is the latest. */
const OUTCOMES: Record<string, string>[] = [
  { extract: 'success', validate: 'success', transform: 'success', load: 'success' },
  { extract: 'success', validate: 'success', transform: 'failed' },
];
const RGB: Record<string, string> = {
  success: 'rgb(46, 158, 68)',
  failed: 'rgb(216, 56, 43)',
  none: 'rgb(242, 242, 242)',
};

interface PageGlobals {
  getComputedStyle(el: unknown): { fill: string };
}
const FILL = (el: unknown): string => (globalThis as unknown as PageGlobals).getComputedStyle(el).fill;

describe('Graph view (Chromium)', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    h = await createTestOrchestrator('webgraphui', { dags: [etl, analytics] });
    const db = h.rt.db;
    await syncDagBag(db, h.rt.registry.current(), new Date());
    for (const [i, outcome] of OUTCOMES.entries()) {
      const runId = runIdOf(i);
      await insertQueuedRuns(
        db,
        [
          {
            dagId: 'tado_etl',
            runId,
            runType: 'scheduled',
            logicalDate: new Date(day0 + i * DAY),
            dataIntervalStart: new Date(day0 + i * DAY),
            dataIntervalEnd: new Date(day0 + (i + 1) * DAY),
          },
        ],
        new Date(),
      );
      await setRunState(db, 'tado_etl', runId, 'running', new Date());
      await insertTaskInstances(
        db,
        ETL.map((taskId) => ({
          dagId: 'tado_etl',
          runId,
          taskId,
          maxTries: 1,
          pool: 'default_pool',
          poolSlots: 1,
        })),
      );
      for (const [taskId, state] of Object.entries(outcome)) {
        const t = { dagId: 'tado_etl', runId, taskId, tryNumber: 1, leaseToken: `ui${i}${taskId}` };
        const logPath = tryLogPath(h.config.HEATFLOW_LOG_DIR, t);
        await mkdir(path.dirname(logPath), { recursive: true });
        const at = day0 + i * DAY + 3_600_000;
        await writeFile(
          logPath,
          [
            { level: 30, time: at, pid: 9, hostname: 'worker-1', task_id: taskId, msg: `${taskId} starts` },
            {
              level: 30,
              time: at + 1250,
              pid: 9,
              hostname: 'worker-1',
              task_id: taskId,
              zones: 4,
              msg: 'day report read',
            },
            state === 'failed'
              ? {
                  level: 50,
                  time: at + 2000,
                  pid: 9,
                  hostname: 'worker-1',
                  task_id: taskId,
                  err: { message: 'boom' },
                  msg: `${taskId} failed`,
                }
              : {
                  level: 30,
                  time: at + 2000,
                  pid: 9,
                  hostname: 'worker-1',
                  task_id: taskId,
                  msg: `${taskId} done`,
                },
          ]
            .map((l) => JSON.stringify(l))
            .join('\n') + '\n',
        );
        await db.transaction().execute((trx) => queueTis(trx, [t], 'process', new Date()));
        await claimTry(db, t, { workerId: 'w', hostname: 'worker-1', logPath }, new Date());
        await finishTry(
          db,
          t,
          state === 'failed'
            ? { tiState: 'failed', tryState: 'failed', exitCode: 1, error: 'exit code 1', durationMs: 2000 }
            : { tiState: 'success', tryState: 'success', exitCode: 0, durationMs: 2000 },
          new Date(),
        );
      }
      await setRunState(db, 'tado_etl', runId, i === 0 ? 'success' : 'failed', new Date());
    }
    web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
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
      if (r.status() >= 400) consoleErrors.push(`HTTP ${r.status()} ${r.url()}`);
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await h?.cleanup();
  });

  const node = (id: string) => page.locator(`#dag-graph a.graph-node[data-node-id="${id}"]`);

  it('draws the latest run: each task filled with its state colour, edges with arrows, the asset and the DAG across it', async () => {
    await page.goto(`${web.url}/dags/tado_etl`);
    await page.locator('nav.tabs a', { hasText: 'Graph' }).click();
    await page.waitForURL(/\/dags\/tado_etl\/graph$/);
    expect(await page.locator('#dag-graph a.graph-node').count()).toBe(6);
    const expected = { extract: 'success', validate: 'success', transform: 'failed', load: 'none' };
    for (const [taskId, state] of Object.entries(expected)) {
      expect(await node(`task:${taskId}`).getAttribute('data-state'), taskId).toBe(state);
      expect(await node(`task:${taskId}`).locator('rect').evaluate(FILL), taskId).toBe(RGB[state]);
    }
    expect(await page.locator('#dag-graph path.graph-edge').count()).toBe(5);
    expect(await page.locator('#dag-graph path.graph-edge[marker-end]').count()).toBe(5);
    expect(await node('asset:tado://warehouse').count()).toBe(1);
    expect(await node('dag:heating_analytics').count()).toBe(1);
    // laid out left to right: each task right of its upstream
    const xs: number[] = [];
    for (const taskId of ETL) xs.push((await node(`task:${taskId}`).boundingBox())?.x ?? Number.NaN);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(await page.locator('#graph-run').inputValue()).toBe(runIdOf(1));
    expect(await page.locator('.legend i.state-failed').count()).toBe(1);
    await page.screenshot({ path: path.join(SHOTS, 'graph.png'), fullPage: true });
  });

  it('switches runs with the selector, and a task opens its task instance with a readable log', async () => {
    await page.locator('#graph-run').selectOption(runIdOf(0));
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/run_id=/);
    for (const taskId of ETL)
      expect(await node(`task:${taskId}`).locator('rect').evaluate(FILL), taskId).toBe(RGB.success);

    await page.goto(`${web.url}/dags/tado_etl/graph`);
    await node('task:transform').click();
    await page.waitForSelector('#ti-task-id');
    expect(page.url()).toBe(
      `${web.url}/dags/tado_etl/runs/${encodeURIComponent(runIdOf(1))}/tasks/transform`,
    );
    expect(await page.locator('#ti-task-id').innerText()).toBe('transform');
    const lines = page.locator('#log-content .log-line');
    expect(await lines.count()).toBe(3);
    // 01:00:02 UTC on 2022-01-02 is 02:00:02 in Madrid
    expect(await lines.nth(2).innerText()).toContain('2022-01-02 02:00:02.000 ERROR transform failed');
    expect(await page.locator('#log-raw').isVisible()).toBe(false);
    await lines.nth(1).locator('summary').click();
    expect(await lines.nth(1).locator('pre').innerText()).toContain('zones: 4');
    await page.locator('#log-raw-box summary').click();
    expect(await page.locator('#log-raw').innerText()).toContain('"msg":"transform failed"');
    await page.screenshot({ path: path.join(SHOTS, 'task-log-readable.png'), fullPage: true });
  });

  it('links the asset to the Assets page and reads as lineage from the consumer DAG', async () => {
    await page.goto(`${web.url}/dags/tado_etl/graph`);
    await node('asset:tado://warehouse').click();
    await page.waitForURL(/\/assets$/);
    await page.goto(`${web.url}/dags/tado_etl/graph`);
    await node('dag:heating_analytics').click();
    await page.waitForURL(/\/dags\/heating_analytics\/graph$/);
    expect(await node('dag:tado_etl').count()).toBe(1);
    expect(await node('asset:tado://warehouse').count()).toBe(1);
    expect(await page.locator('#dag-graph a.graph-task').count()).toBe(5);
    expect(await node('task:clean').locator('rect').evaluate(FILL)).toBe(RGB.none);
    const x = async (id: string) => (await node(id).boundingBox())?.x ?? Number.NaN;
    expect(await x('dag:tado_etl')).toBeLessThan(await x('asset:tado://warehouse'));
    expect(await x('asset:tado://warehouse')).toBeLessThan(await x('task:clean'));
    await page.screenshot({ path: path.join(SHOTS, 'graph-asset-scheduled.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });
});
