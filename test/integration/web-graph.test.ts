/**
 * The Graph view (`/dags/{dag_id}/graph`), its JSON twin `GET /api/v1/dags/{dag_id}/tasks`, and
 * the HTML 404 of unknown pages, against real Postgres and Redis over real HTTP. Runs and tries
 * are written through the repositories as the scheduler and worker write them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asset } from '../../src/core/asset.js';
import { defineDag } from '../../src/core/define-dag.js';
import { makeRunId } from '../../src/core/run-id.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns, setRunState } from '../../src/db/dag-run-repository.js';
import { claimTry, finishTry, insertTaskInstances, queueTis } from '../../src/db/task-instance-repository.js';
import { STATE_COLOURS } from '../../src/web/assets.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const WAREHOUSE = asset('test://warehouse');
const cmd = ['node', '-e', '0'];
const etl = defineDag({
  dagId: 'etl',
  schedule: '@daily',
  startDate: '2022-01-01',
  isPausedUponCreation: true,
  tasks: [
    { taskId: 'extract', command: cmd },
    { taskId: 'validate', command: cmd, upstream: ['extract'] },
    { taskId: 'load', command: cmd, upstream: ['validate'], outlets: [WAREHOUSE] },
  ],
});
const analysis = defineDag({
  dagId: 'analysis',
  schedule: [WAREHOUSE],
  startDate: '2022-01-01',
  isPausedUponCreation: true,
  tasks: [
    { taskId: 'clean', command: cmd },
    { taskId: 'report', command: cmd, upstream: ['clean'] },
  ],
});
const DAY = 86_400_000;
const day0 = Date.UTC(2022, 0, 1);
const runIdOf = (i: number) => makeRunId('backfill', new Date(day0 + i * DAY));

/** Attributes of each `<a class="graph-node …">` of a page (and its box's fill), by node id. */
function graphNodes(page: string): Map<string, { href: string; state: string; fill: string }> {
  const out = new Map<string, { href: string; state: string; fill: string }>();
  const attr = (block: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(block)?.[1] ?? '';
  for (const block of page.split('<a').slice(1)) {
    if (!/class="graph-node /.test(block.slice(0, block.indexOf('>')))) continue;
    const rect = block.slice(block.indexOf('<rect'));
    out.set(attr(block, 'data-node-id'), {
      href: attr(block, 'href'),
      state: attr(block, 'data-state'),
      fill: attr(rect, 'fill'),
    });
  }
  return out;
}

describe('Graph view and HTML 404s (real Postgres, Redis, HTTP)', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  const get = (p: string, accept = 'text/html') => fetch(`${web.url}${p}`, { headers: { accept } });

  beforeAll(async () => {
    h = await createTestOrchestrator('webgraph', { dags: [etl, analysis] });
    const db = h.rt.db;
    await syncDagBag(db, h.rt.registry.current(), new Date());
    // run 0: all three tasks succeed; run 1 (the latest): extract succeeds, validate fails
    for (let i = 0; i < 2; i++) {
      const runId = runIdOf(i);
      await insertQueuedRuns(
        db,
        [
          {
            dagId: 'etl',
            runId,
            runType: 'backfill',
            logicalDate: new Date(day0 + i * DAY),
            dataIntervalStart: new Date(day0 + i * DAY),
            dataIntervalEnd: new Date(day0 + (i + 1) * DAY),
          },
        ],
        new Date(),
      );
      await setRunState(db, 'etl', runId, 'running', new Date());
      await insertTaskInstances(
        db,
        ['extract', 'validate', 'load'].map((taskId) => ({
          dagId: 'etl',
          runId,
          taskId,
          maxTries: 1,
          pool: 'default_pool',
          poolSlots: 1,
        })),
      );
      for (const taskId of i === 0 ? ['extract', 'validate', 'load'] : ['extract', 'validate']) {
        const t = { dagId: 'etl', runId, taskId, tryNumber: 1, leaseToken: `g${i}${taskId}` };
        await db.transaction().execute((trx) => queueTis(trx, [t], 'process', new Date()));
        await claimTry(db, t, { workerId: 'w', hostname: 'h', logPath: '/dev/null' }, new Date());
        const fail = i === 1 && taskId === 'validate';
        await finishTry(
          db,
          t,
          fail
            ? { tiState: 'failed', tryState: 'failed', exitCode: 1, error: 'exit code 1', durationMs: 5 }
            : { tiState: 'success', tryState: 'success', exitCode: 0, durationMs: 5 },
          new Date(),
        );
      }
      await setRunState(db, 'etl', runId, i === 0 ? 'success' : 'failed', new Date());
    }
    web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await web?.close();
    await h?.cleanup();
  });

  it('draws the latest run by default: each task in its state colour, linking to its task instance', async () => {
    const r = await get('/dags/etl/graph');
    expect(r.status).toBe(200);
    const page = await r.text();
    const nodes = graphNodes(page);
    const latest = encodeURIComponent(runIdOf(1));
    expect([...nodes.keys()]).toEqual([
      'task:extract',
      'task:validate',
      'task:load',
      'asset:test://warehouse',
      'dag:analysis',
    ]);
    expect(nodes.get('task:extract')).toEqual({
      href: `/dags/etl/runs/${latest}/tasks/extract`,
      state: 'success',
      fill: STATE_COLOURS.success,
    });
    expect(nodes.get('task:validate')?.fill).toBe(STATE_COLOURS.failed);
    expect(nodes.get('task:load')).toMatchObject({ state: 'none', fill: STATE_COLOURS.none });
    expect(nodes.get('asset:test://warehouse')?.href).toBe('/assets');
    expect(nodes.get('dag:analysis')?.href).toBe('/dags/analysis/graph');
    // edges with arrows, one per dependency and asset link
    expect(page.match(/class="graph-edge"/g)).toHaveLength(4);
    expect(page).toContain('marker-end="url(#graph-arrow)"');
    expect(page).toMatch(/<option value="[^"]*" selected>2022-01-02/);
    expect(page).toMatch(/class="active" href="\/dags\/etl\/graph">Graph</);
    expect(page).toContain('class="legend"');
    // the one-time message of an action that returned here is shown, and its cookie cleared
    const flashed = await fetch(`${web.url}/dags/etl/graph`, {
      headers: { cookie: 'heatflow_flash=Paused%20etl.' },
    });
    expect(await flashed.text()).toContain('<div class="flash" role="status">Paused etl.</div>');
    expect(flashed.headers.get('set-cookie')).toMatch(/^heatflow_flash=; /);
  });

  it('shows the run chosen with ?run_id=, and a 404 page naming an unknown run or DAG', async () => {
    const first = await get(`/dags/etl/graph?run_id=${encodeURIComponent(runIdOf(0))}`);
    const nodes = graphNodes(await first.text());
    expect([...nodes.values()].filter((n) => n.state === 'success')).toHaveLength(3);
    expect(nodes.get('task:load')?.href).toBe(`/dags/etl/runs/${encodeURIComponent(runIdOf(0))}/tasks/load`);

    const noRun = await get('/dags/etl/graph?run_id=manual__nope');
    expect(noRun.status).toBe(404);
    expect(noRun.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await noRun.text()).toContain('DAG run &quot;manual__nope&quot; of DAG &quot;etl&quot; not found');
    const noDag = await get('/dags/nope/graph');
    expect(noDag.status).toBe(404);
    expect(await noDag.text()).toContain('DAG &quot;nope&quot; not found');
  });

  it('draws an asset-scheduled DAG after its inlet asset and the producer DAG, without states before a run', async () => {
    const nodes = graphNodes(await (await get('/dags/analysis/graph')).text());
    expect([...nodes.keys()].sort()).toEqual(
      ['asset:test://warehouse', 'dag:etl', 'task:clean', 'task:report'].sort(),
    );
    expect(nodes.get('task:clean')).toEqual({
      href: '/dags/analysis/grid',
      state: 'none',
      fill: STATE_COLOURS.none,
    });
  });

  it('GET /api/v1/dags/{dag_id}/tasks lists the tasks as Airflow does, with heatflow upstreams and outlets', async () => {
    const r = await get('/api/v1/dags/etl/tasks', 'application/json');
    expect(r.status).toBe(200);
    const body = (await r.json()) as { tasks: Record<string, unknown>[]; total_entries: number };
    expect(body.total_entries).toBe(3);
    expect(body.tasks.map((t) => [t.task_id, t.downstream_task_ids, t.upstream_task_ids, t.outlets])).toEqual(
      [
        ['extract', ['validate'], [], []],
        ['validate', ['load'], ['extract'], []],
        ['load', [], ['validate'], ['test://warehouse']],
      ],
    );
    const missing = await get('/api/v1/dags/nope/tasks', 'application/json');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('an unknown page is an HTML 404 in a browser; under /api/ it stays problem JSON', async () => {
    const page = await get('/no/such/page');
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await page.text();
    expect(text).toContain('<!doctype html>');
    expect(text).toContain('/no/such/page');
    const api = await get('/api/v1/no/such', 'text/html,application/xhtml+xml');
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await api.json()) as { status: number }).status).toBe(404);
  });
});
