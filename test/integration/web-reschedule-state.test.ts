/**
 * A task instance waiting for its reschedule, as the web page and the API show it: state
 * `up_for_reschedule` in the task-instance list (and as a filter), its tries, a grid cell in
 * Airflow's colour (turquoise). The try really rescheduled itself through scheduler and worker.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { parseDagDate } from '../../src/core/timetable.js';
import { createBackfill } from '../../src/scheduler/dag-run-service.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

const STEP = path.resolve('test/fixtures/task-scripts/step.mjs');
const RUN_ID = 'backfill__2022-01-01T00:00:00+00:00';
const dag = defineDag({
  dagId: 'waiting',
  schedule: '@daily',
  startDate: '2022-01-01',
  isPausedUponCreation: true,
  // the first try asks to run again in 10 minutes: the test sees it waiting
  tasks: [{ taskId: 'sensor', command: ['node', STEP, 'reschedule:1:600000'] }],
});

let h: TestOrchestrator;
let web: WebServer;
beforeAll(async () => {
  h = await createTestOrchestrator('webresched', { dags: [dag] });
  await h.startScheduler();
  await h.startWorker();
  await createBackfill(h.rt.deps, dag, {
    from: parseDagDate('2022-01-01', 'UTC', false),
    to: parseDagDate('2022-01-01', 'UTC', true),
  });
  await waitFor('the sensor to wait for its reschedule', async () => {
    const ti = await h.rt.db.selectFrom('heatflow.task_instances').select('state').executeTakeFirst();
    return ti?.state === 'up_for_reschedule' ? ti : undefined;
  });
  web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
}, 120_000);
afterAll(async () => {
  await web?.close();
  await h?.cleanup();
});

describe('up_for_reschedule on the web', () => {
  it('the API lists the task instance as up_for_reschedule, filters on it, and shows the try', async () => {
    const base = `${web.url}/api/v1/dags/waiting/dagRuns/${encodeURIComponent(RUN_ID)}/taskInstances`;
    const all = (await (await fetch(base)).json()) as { task_instances: Record<string, unknown>[] };
    expect(all.task_instances.map((t) => [t.task_id, t.state, t.try_number])).toEqual([
      ['sensor', 'up_for_reschedule', 1],
    ]);
    const filtered = await fetch(`${base}?state=up_for_reschedule`);
    expect(filtered.status).toBe(200);
    expect(((await filtered.json()) as { task_instances: unknown[] }).task_instances).toHaveLength(1);
    const tries = (await (await fetch(`${base}/sensor/tries`)).json()) as {
      task_instances: Record<string, unknown>[];
    };
    expect(tries.task_instances.map((t) => t.state)).toEqual(['up_for_reschedule']);
  });

  it('the grid draws the cell in Airflow turquoise, with the state in the legend', async () => {
    const page = await (await fetch(`${web.url}/dags/waiting/grid`)).text();
    expect(page).toContain('state-up_for_reschedule');
    const css = await (await fetch(`${web.url}/static/heatflow.css`)).text();
    expect(css).toContain('.state-up_for_reschedule{background:#40e0d0;color:#222}');
  });
});
