/**
 * The asset endpoints of the REST API (Airflow 2's dataset shapes) and the Assets page with its
 * lineage SVG, against real Postgres and Redis over real HTTP. Producer successes are recorded
 * through the repositories as the worker records them; the asset-triggered run is created by the
 * scheduler's own function.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asset } from '../../src/core/asset.js';
import { defineDag } from '../../src/core/define-dag.js';
import { makeRunId } from '../../src/core/run-id.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns, setRunState } from '../../src/db/dag-run-repository.js';
import { claimTry, finishTry, insertTaskInstances, queueTis } from '../../src/db/task-instance-repository.js';
import { createAssetTriggeredRun } from '../../src/scheduler/asset-triggered-run.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const WAREHOUSE = asset('test://warehouse', { owner: 'tests' });
const ROOMS = asset('test://rooms');
const EVIL = asset('evil://<b>"x"</b>');
const cmd = ['node', '-e', '0'];
const producer = defineDag({
  dagId: 'producer',
  schedule: '@daily',
  startDate: '2022-01-01',
  isPausedUponCreation: true,
  tasks: [
    { taskId: 'extract', command: cmd },
    { taskId: 'load', command: cmd, upstream: ['extract'], outlets: [WAREHOUSE, EVIL] },
  ],
});
const consumer = defineDag({
  dagId: 'consumer',
  schedule: [WAREHOUSE],
  startDate: '2022-01-01',
  tasks: [{ taskId: 'use', command: cmd }],
});
const both = defineDag({
  dagId: 'consumer_both',
  schedule: [WAREHOUSE, ROOMS],
  startDate: '2022-01-01',
  isPausedUponCreation: true,
  tasks: [{ taskId: 'use', command: cmd }],
});
const DAY = 86_400_000;
const day0 = Date.UTC(2022, 0, 1);
const runIdOf = (i: number) => makeRunId('backfill', new Date(day0 + i * DAY));

describe('asset API and Assets page (real Postgres, Redis, HTTP)', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  let consumerRunId = '';
  const api = (p: string) => fetch(`${web.url}/api/v1${p}`);
  const json = async (p: string) => {
    const r = await api(p);
    expect(r.status, p).toBe(200);
    return (await r.json()) as Record<string, unknown> & { total_entries: number };
  };

  beforeAll(async () => {
    h = await createTestOrchestrator('webassets', { dags: [producer, consumer, both] });
    const db = h.rt.db;
    await syncDagBag(db, h.rt.registry.current(), new Date());
    // three producer runs whose load succeeded (one event per outlet each)
    for (let i = 0; i < 3; i++) {
      const runId = runIdOf(i);
      await insertQueuedRuns(
        db,
        [
          {
            dagId: 'producer',
            runId,
            runType: 'backfill',
            logicalDate: new Date(day0 + i * DAY),
            dataIntervalStart: new Date(day0 + i * DAY),
            dataIntervalEnd: new Date(day0 + (i + 1) * DAY),
          },
        ],
        new Date(),
      );
      await setRunState(db, 'producer', runId, 'running', new Date());
      await insertTaskInstances(db, [
        { dagId: 'producer', runId, taskId: 'load', maxTries: 1, pool: 'default_pool', poolSlots: 1 },
      ]);
      const t = { dagId: 'producer', runId, taskId: 'load', tryNumber: 1, leaseToken: `l${i}` };
      await db.transaction().execute((trx) => queueTis(trx, [t], 'process', new Date()));
      await claimTry(db, t, { workerId: 'w', hostname: 'h', logPath: '/dev/null' }, new Date());
      await finishTry(
        db,
        t,
        { tiState: 'success', tryState: 'success', exitCode: 0, durationMs: 10, recordAssetEvents: true },
        new Date(Date.UTC(2022, 0, 2 + i, 2)),
      );
      // the consumer's run takes the first two days' events; the third waits
      if (i === 1) {
        const run = await createAssetTriggeredRun(db, 'consumer', new Date());
        consumerRunId = run?.runId ?? '';
      }
    }
    web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await web?.close();
    await h?.cleanup();
  });

  it('lists datasets in Airflow 2 shape with their consumers and producers; filters, pages and sorts', async () => {
    const all = await json('/datasets');
    expect(all.total_entries).toBe(3);
    const datasets = all.datasets as Record<string, unknown>[];
    // by id: the sync creates assets in URI order
    expect(datasets.map((d) => d.uri)).toEqual(['evil://<b>"x"</b>', 'test://rooms', 'test://warehouse']);
    const w = datasets[2] ?? {};
    expect(Object.keys(w).sort()).toEqual(
      ['consuming_dags', 'created_at', 'extra', 'id', 'producing_tasks', 'updated_at', 'uri'].sort(),
    );
    expect(typeof w.id).toBe('number');
    expect(w.extra).toEqual({ owner: 'tests' });
    expect((w.consuming_dags as { dag_id: string }[]).map((c) => c.dag_id)).toEqual([
      'consumer',
      'consumer_both',
    ]);
    const tasks = w.producing_tasks as Record<string, unknown>[];
    expect(tasks.map((t) => [t.dag_id, t.task_id])).toEqual([['producer', 'load']]);
    expect(String(tasks[0]?.created_at)).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(datasets[1]).toMatchObject({ uri: 'test://rooms', producing_tasks: [] });

    const rooms = await json('/datasets?uri_pattern=ROOM');
    expect((rooms.datasets as { uri: string }[]).map((d) => d.uri)).toEqual(['test://rooms']);
    expect(rooms.total_entries).toBe(1);
    const page = await json('/datasets?limit=1&offset=1&order_by=-uri');
    expect(page.total_entries).toBe(3);
    expect((page.datasets as { uri: string }[]).map((d) => d.uri)).toEqual(['test://rooms']);
    const first = await json('/datasets?limit=1&order_by=-uri');
    expect((first.datasets as { uri: string }[]).map((d) => d.uri)).toEqual(['test://warehouse']);
    expect(((await json('/datasets?offset=10')).datasets as unknown[]).length).toBe(0);
  });

  it('gets one dataset by its percent-encoded URI (scheme case-insensitive); 404 unknown, 400 invalid', async () => {
    const one = await json(`/datasets/${encodeURIComponent('TEST://warehouse')}`);
    expect(one).toMatchObject({ uri: 'test://warehouse', extra: { owner: 'tests' } });
    const evil = await json(`/datasets/${encodeURIComponent('evil://<b>"x"</b>')}`);
    expect(evil.uri).toBe('evil://<b>"x"</b>');
    const unknown = await api(`/datasets/${encodeURIComponent('test://nothing')}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ status: 404, title: 'Dataset not found' });
    const bad = await api('/datasets/warehouse');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ status: 400, parameter: 'uri' });
  });

  it('lists dataset events with created_dagruns, filtered by dataset, source dag/task/run, sorted, paged', async () => {
    const all = await json('/datasets/events?order_by=id');
    expect(all.total_entries).toBe(6);
    const events = all.dataset_events as Record<string, unknown>[];
    const first = events[0] ?? {};
    expect(Object.keys(first).sort()).toEqual(
      [
        'created_dagruns',
        'dataset_id',
        'dataset_uri',
        'extra',
        'id',
        'source_dag_id',
        'source_data_interval_end',
        'source_data_interval_start',
        'source_map_index',
        'source_run_id',
        'source_task_id',
        'source_try_number',
        'timestamp',
      ].sort(),
    );
    const warehouseEvents = events.filter((e) => e.dataset_uri === 'test://warehouse');
    expect(warehouseEvents.map((e) => [e.source_run_id, e.source_task_id, e.source_map_index])).toEqual([
      [runIdOf(0), 'load', -1],
      [runIdOf(1), 'load', -1],
      [runIdOf(2), 'load', -1],
    ]);
    expect(warehouseEvents[0]).toMatchObject({
      source_dag_id: 'producer',
      timestamp: '2022-01-02T02:00:00.000Z',
      source_data_interval_start: '2022-01-01T00:00:00.000Z',
      source_data_interval_end: '2022-01-02T00:00:00.000Z',
    });
    // the first two were consumed by the consumer's run; the third waits
    for (const e of warehouseEvents.slice(0, 2))
      expect(e.created_dagruns).toEqual([
        expect.objectContaining({
          dag_id: 'consumer',
          run_id: consumerRunId,
          state: 'queued',
          data_interval_start: '2022-01-01T00:00:00.000Z',
          data_interval_end: '2022-01-03T00:00:00.000Z',
        }),
      ]);
    expect(warehouseEvents[2]?.created_dagruns).toEqual([]);

    const wid = (await json(`/datasets/${encodeURIComponent('test://warehouse')}`)).id as number;
    expect((await json(`/datasets/events?dataset_id=${wid}`)).total_entries).toBe(3);
    expect(
      (await json(`/datasets/events?source_run_id=${encodeURIComponent(runIdOf(1))}`)).total_entries,
    ).toBe(2);
    expect((await json('/datasets/events?source_dag_id=producer&source_task_id=load')).total_entries).toBe(6);
    expect((await json('/datasets/events?source_dag_id=consumer')).total_entries).toBe(0);
    expect((await json('/datasets/events?source_map_index=-1')).total_entries).toBe(6);
    expect((await json('/datasets/events?source_map_index=2')).total_entries).toBe(0);
    const newest = await json('/datasets/events?order_by=-timestamp&limit=2');
    expect(newest.total_entries).toBe(6);
    expect((newest.dataset_events as { source_run_id: string }[]).map((e) => e.source_run_id)).toEqual([
      runIdOf(2),
      runIdOf(2),
    ]);
  });

  it('answers bad parameters of the asset endpoints with a 400 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['/datasets?limit=0', 'limit'],
      ['/datasets?offset=-3', 'offset'],
      ['/datasets?order_by=timestamp', 'order_by'],
      ['/datasets/events?order_by=uri;drop', 'order_by'],
      ['/datasets/events?dataset_id=abc', 'dataset_id'],
      ["/datasets/events?source_dag_id=x'%20or%201=1", 'source_dag_id'],
      ['/datasets/events?source_map_index=x', 'source_map_index'],
      ['/datasets/events?limit=-1', 'limit'],
    ];
    for (const [p, param] of cases) {
      const r = await api(p);
      expect(r.status, p).toBe(400);
      expect(await r.json(), p).toMatchObject({ status: 400, parameter: param });
    }
  });

  it("gives a run's upstream dataset events; 404 for an unknown run; DAGs and runs show the asset schedule", async () => {
    const up = await json(
      `/dags/consumer/dagRuns/${encodeURIComponent(consumerRunId)}/upstreamDatasetEvents`,
    );
    expect(up.total_entries).toBe(2);
    expect((up.dataset_events as { source_run_id: string }[]).map((e) => e.source_run_id)).toEqual([
      runIdOf(0),
      runIdOf(1),
    ]);
    const none = await json(`/dags/producer/dagRuns/${encodeURIComponent(runIdOf(0))}/upstreamDatasetEvents`);
    expect(none).toEqual({ dataset_events: [], total_entries: 0 });
    expect((await api('/dags/consumer/dagRuns/nope/upstreamDatasetEvents')).status).toBe(404);

    const dags = (await json('/dags')).dags as Record<string, unknown>[];
    const c = dags.find((d) => d.dag_id === 'consumer');
    expect(c).toMatchObject({
      schedule_interval: null,
      timetable_description: 'on asset test://warehouse',
      schedule_assets: ['test://warehouse'],
      pending_asset_events: 1,
    });
    expect(dags.find((d) => d.dag_id === 'consumer_both')).toMatchObject({
      timetable_description: 'on assets test://warehouse, test://rooms',
      pending_asset_events: 3,
    });
    const runs = await json('/dags/~/dagRuns?run_type=asset_triggered');
    expect((runs.dag_runs as { dag_run_id: string }[]).map((r) => r.dag_run_id)).toEqual([consumerRunId]);
    expect((await json('/dags/~/dagRuns?run_type=dataset_triggered')).total_entries).toBe(1);
  });

  it('the Assets page lists every asset with producers, consumers, counts and latest events, and draws the lineage as escaped SVG', async () => {
    const r = await fetch(`${web.url}/assets`);
    expect(r.status).toBe(200);
    const page = await r.text();
    expect(page).toMatch(/<svg\s+xmlns="http:\/\/www\.w3\.org\/2000\/svg"\s+id="lineage"/);
    // producer → asset → consumer nodes, each a link
    expect(page).toContain('data-node-id="dag:producer"');
    expect(page).toContain('data-node-id="asset:test://warehouse"');
    expect(page).toContain('data-node-id="dag:consumer"');
    expect(page).toMatch(/<a href="\/dags\/consumer_both\/grid" class="lineage-node lineage-dag"/);
    expect(page).toMatch(/<a href="\/assets#asset-\d+" class="lineage-node lineage-asset"/);
    expect(page.match(/<path\s+class="lineage-edge"/g)).toHaveLength(5);
    // the markup in a URI is text, never markup
    expect(page).not.toContain('<b>"x"</b>');
    expect(page).toContain('evil://&lt;b&gt;&quot;x&quot;&lt;/b&gt;');
    // the warehouse's row: 3 events, 1 pending for consumer, the latest linking to its producing run
    const row =
      /<tr id="asset-\d+" data-asset-uri="test:\/\/warehouse">([\s\S]*?)<\/tr>/.exec(page)?.[1] ?? '';
    expect(row).toContain('<td class="num">3</td>');
    expect(row).toContain('1 pending');
    expect(row).toContain(`href="/dags/producer/runs/${encodeURIComponent(runIdOf(2))}"`);
    expect(row).toContain('<span class="badge state-none">paused</span>'); // consumer_both
    expect(page).toContain('<a href="/assets">Assets</a>');
    // the DAG list and the DAG page show the asset schedule
    const list = await (await fetch(`${web.url}/`)).text();
    expect(list).toMatch(/<code>on asset test:\/\/warehouse<\/code\s*>/);
    expect(list).toContain('1 event pending');
    const grid = await (await fetch(`${web.url}/dags/consumer_both/grid`)).text();
    expect(grid).toMatch(/<code>on assets test:\/\/warehouse, test:\/\/rooms<\/code\s*>/);
  });
});
