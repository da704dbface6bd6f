/**
 * Data-aware scheduling on real Postgres and Redis: asset events recorded with the success of a
 * producing try (and only then), asset-triggered runs of the consumers (all-of, batching while a
 * run is active, a paused consumer keeping its events), the consumer's tasks seeing the events,
 * clear + re-run emitting again, a stale worker recording nothing, and two schedulers consuming
 * every event exactly once. The fixture pair is test/fixtures/dags/assets/ (parsed from files).
 */
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { asset } from '../../src/core/asset.js';
import { defineDag } from '../../src/core/define-dag.js';
import { makeRunId } from '../../src/core/run-id.js';
import { parseDagDate } from '../../src/core/timetable.js';
import type { Dag } from '../../src/core/types.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { setDagPaused } from '../../src/db/dag-repository.js';
import { countRunsByState, insertQueuedRuns, setRunState } from '../../src/db/dag-run-repository.js';
import type { Database } from '../../src/db/database.js';
import { claimTry, finishTry, insertTaskInstances, queueTis } from '../../src/db/task-instance-repository.js';
import { createLogger } from '../../src/logging/logger.js';
import { TaskQueue } from '../../src/queue/task-queue.js';
import { clearTaskInstances, createBackfill } from '../../src/scheduler/dag-run-service.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';
import type { Kysely } from 'kysely';

const FIXTURE_DAGS = path.resolve('test/fixtures/dags/assets');
const day = (d: string, end = false) => parseDagDate(d, 'UTC', end);
const iso = (d: string) => new Date(`${d}T00:00:00.000Z`);

let h: TestOrchestrator | undefined;
afterEach(async () => {
  delete process.env.FIXTURE_ASSET_GATE;
  await h?.cleanup();
  h = undefined;
});

async function events(db: Kysely<Database>) {
  return db
    .selectFrom('heatflow.asset_events as e')
    .innerJoin('heatflow.assets as a', 'a.id', 'e.asset_id')
    .select([
      'e.id',
      'a.uri',
      'e.source_dag_id',
      'e.source_run_id',
      'e.source_task_id',
      'e.source_try_number',
      'e.source_data_interval_start',
      'e.source_data_interval_end',
    ])
    .orderBy('e.id')
    .execute();
}

async function queueRows(db: Kysely<Database>, dagId: string) {
  return db
    .selectFrom('heatflow.asset_dag_run_queue')
    .selectAll()
    .where('target_dag_id', '=', dagId)
    .execute();
}

/** The DAG's runs, oldest first, with the ids of the events each consumed. */
async function consumerRuns(db: Kysely<Database>, dagId: string) {
  const runs = await db
    .selectFrom('heatflow.dag_runs')
    .selectAll()
    .where('dag_id', '=', dagId)
    .orderBy('id')
    .execute();
  const links = await db.selectFrom('heatflow.dag_run_asset_events').selectAll().execute();
  return runs.map((r) => ({
    ...r,
    eventIds: links
      .filter((l) => l.dag_run_id === r.id)
      .map((l) => l.event_id)
      .sort((a, b) => Number(a) - Number(b)),
  }));
}

async function backfill(t: TestOrchestrator, dagId: string, from: string, to: string, conf = {}) {
  const dag = await t.rt.registry.get(dagId);
  if (dag === undefined) throw new Error(`${dagId} not parsed`);
  const { backfill: b } = await createBackfill(t.rt.deps, dag, { from: day(from), to: day(to, true), conf });
  const id = b?.id ?? '';
  const n = (await countRunsByState(t.rt.db, { backfillId: id })).queued ?? 0;
  return waitFor(`backfill ${from}..${to} of ${dagId} to finish`, async () => {
    const c = await countRunsByState(t.rt.db, { backfillId: id });
    return (c.success ?? 0) + (c.failed ?? 0) === n ? c : undefined;
  });
}

async function successfulRuns(t: TestOrchestrator, dagId: string, n: number) {
  return waitFor(`${n} successful runs of ${dagId}`, async () => {
    const runs = await consumerRuns(t.rt.db, dagId);
    return runs.filter((r) => r.state === 'success').length >= n ? runs : undefined;
  });
}

async function startWithFixtures(tag: string): Promise<TestOrchestrator> {
  const t = await createTestOrchestrator(tag, { dagsDir: FIXTURE_DAGS });
  h = t;
  await t.startScheduler();
  await t.startWorker();
  await waitFor('the fixture DAGs to be recorded', async () => {
    const rows = await t.rt.db.selectFrom('heatflow.dags').select('dag_id').execute();
    return rows.length === 2 ? rows : undefined;
  });
  return t;
}

/** Waits a few scheduler passes (200 ms each in tests) so a run that should not come would have. */
const passes = (n = 5) => new Promise((r) => setTimeout(r, n * 200));

describe('asset events and asset-triggered runs (fixture pair, from files)', () => {
  it('records one event per successful producer try with its dag, run, task and data interval; the consumer run consumes it and its task sees it; failed and skipped tries record none', async () => {
    const t = await startWithFixtures('assets1');
    await backfill(t, 'asset_producer', '2022-01-01', '2022-01-01');
    const [run] = await successfulRuns(t, 'asset_consumer', 1);
    const producerRunId = makeRunId('backfill', iso('2022-01-01'));
    const recorded = await events(t.rt.db);
    expect(recorded.map(({ id: _id, ...e }) => e)).toEqual([
      {
        uri: 'fixture://warehouse',
        source_dag_id: 'asset_producer',
        source_run_id: producerRunId,
        source_task_id: 'publish',
        source_try_number: 1,
        source_data_interval_start: iso('2022-01-01'),
        source_data_interval_end: iso('2022-01-02'),
      },
    ]);
    expect(run?.run_type).toBe('asset_triggered');
    expect(run?.run_id).toMatch(/^asset_triggered__\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/);
    expect(run?.data_interval_start).toEqual(iso('2022-01-01'));
    expect(run?.data_interval_end).toEqual(iso('2022-01-02'));
    expect(run?.eventIds).toEqual([recorded[0]?.id]);
    expect(await queueRows(t.rt.db, 'asset_consumer')).toEqual([]);
    // the consumer's task rendered ctx.triggeringAssetEvents into its env and returned it
    const xcom = (await t.rt.xcom.pull({
      dagId: 'asset_consumer',
      runId: run?.run_id ?? '',
      taskId: 'report',
    })) as { events: Record<string, string>[] };
    expect(xcom.events).toHaveLength(1);
    expect(xcom.events[0]).toMatchObject({
      uri: 'fixture://warehouse',
      sourceDagId: 'asset_producer',
      sourceRunId: producerRunId,
      sourceTaskId: 'publish',
      dataIntervalStart: '2022-01-01T00:00:00.000Z',
      dataIntervalEnd: '2022-01-02T00:00:00.000Z',
    });

    expect(await backfill(t, 'asset_producer', '2022-01-02', '2022-01-02', { publish: 'fail' })).toEqual({
      failed: 1,
    });
    expect(await backfill(t, 'asset_producer', '2022-01-03', '2022-01-03', { publish: 'skip' })).toEqual({
      success: 1,
    });
    const states = await t.rt.db
      .selectFrom('heatflow.task_instances')
      .select(['run_id', 'state'])
      .where('dag_id', '=', 'asset_producer')
      .where('task_id', '=', 'publish')
      .orderBy('run_id')
      .execute();
    expect(states.map((s) => s.state)).toEqual(['success', 'failed', 'skipped']);
    await passes();
    expect(await events(t.rt.db)).toHaveLength(1);
    expect(await consumerRuns(t.rt.db, 'asset_consumer')).toHaveLength(1);
  }, 120_000);

  it('batches events that arrive while a consumer run is active into the next run, whose interval spans them; a cleared producer task emits and triggers again', async () => {
    const gate = path.join(os.tmpdir(), `hf-asset-gate-${process.pid}-${Date.now()}`);
    await writeFile(gate, 'the consumer waits while this file exists');
    process.env.FIXTURE_ASSET_GATE = gate;
    const t = await startWithFixtures('assets2');
    await backfill(t, 'asset_producer', '2022-01-01', '2022-01-01');
    await waitFor('the first consumer run to be running', async () => {
      const runs = await consumerRuns(t.rt.db, 'asset_consumer');
      return runs[0]?.state === 'running' ? runs : undefined;
    });
    await backfill(t, 'asset_producer', '2022-01-02', '2022-01-04');
    await passes();
    expect(await queueRows(t.rt.db, 'asset_consumer')).toHaveLength(3);
    expect(await consumerRuns(t.rt.db, 'asset_consumer')).toHaveLength(1);

    await rm(gate);
    const runs = await successfulRuns(t, 'asset_consumer', 2);
    const all = await events(t.rt.db);
    expect(all).toHaveLength(4);
    expect(runs.map((r) => r.eventIds)).toEqual([[all[0]?.id], all.slice(1).map((e) => e.id)]);
    expect(runs[1]?.data_interval_start).toEqual(iso('2022-01-02'));
    expect(runs[1]?.data_interval_end).toEqual(iso('2022-01-05'));
    expect(runs[1]?.logical_date.getTime()).toBeGreaterThan(runs[0]?.logical_date.getTime() ?? 0);
    const xcom = (await t.rt.xcom.pull({
      dagId: 'asset_consumer',
      runId: runs[1]?.run_id ?? '',
      taskId: 'report',
    })) as { events: Record<string, string>[] };
    // the three days' events, oldest first (the producer runs ran side by side: any day order)
    expect(xcom.events.map((e) => e.dataIntervalStart).sort()).toEqual([
      '2022-01-02T00:00:00.000Z',
      '2022-01-03T00:00:00.000Z',
      '2022-01-04T00:00:00.000Z',
    ]);
    const stamps = xcom.events.map((e) => e.timestamp ?? '');
    expect(stamps).toEqual([...stamps].sort());

    // clear + re-run of the producer's publish for 2022-01-01: a second event, a third consumer run
    const producer = (await t.rt.registry.get('asset_producer')) as Dag;
    const firstRun = makeRunId('backfill', iso('2022-01-01'));
    await clearTaskInstances(t.rt.deps, producer, { runIds: [firstRun], taskIds: ['publish'] });
    const after = await successfulRuns(t, 'asset_consumer', 3);
    const again = (await events(t.rt.db)).slice(4);
    expect(again.map((e) => [e.source_run_id, e.source_task_id, e.source_try_number])).toEqual([
      [firstRun, 'publish', 2],
    ]);
    expect(after[2]?.eventIds).toEqual([again[0]?.id]);
    expect(after[2]?.data_interval_start).toEqual(iso('2022-01-01'));
  }, 120_000);

  it('a paused consumer keeps its events and runs once, consuming all of them, when unpaused', async () => {
    const t = await startWithFixtures('assets3');
    await setDagPaused(t.rt.db, 'asset_consumer', true);
    await backfill(t, 'asset_producer', '2022-03-01', '2022-03-02');
    await passes();
    expect(await queueRows(t.rt.db, 'asset_consumer')).toHaveLength(2);
    expect(await consumerRuns(t.rt.db, 'asset_consumer')).toEqual([]);
    await setDagPaused(t.rt.db, 'asset_consumer', false);
    const [run, ...more] = await successfulRuns(t, 'asset_consumer', 1);
    expect(more).toEqual([]);
    expect(run?.eventIds).toHaveLength(2);
    expect(run?.data_interval_start).toEqual(iso('2022-03-01'));
    expect(run?.data_interval_end).toEqual(iso('2022-03-03'));
    expect(await queueRows(t.rt.db, 'asset_consumer')).toEqual([]);
  }, 120_000);
});

const cmd = ['node', '-e', '0'];
const A = asset('test://a');
const B = asset('test://b');
const producerOf = (dagId: string, outlet: typeof A) =>
  defineDag({
    dagId,
    schedule: '@daily',
    startDate: '2022-01-01',
    isPausedUponCreation: true,
    tasks: [{ taskId: 'make', command: cmd, outlets: [outlet] }],
  });
const consumerOf = (dagId: string, schedule: (typeof A)[], maxActiveRuns = 16) =>
  defineDag({
    dagId,
    schedule,
    startDate: '2022-01-01',
    maxActiveRuns,
    tasks: [{ taskId: 'use', command: cmd }],
  });

describe('asset schedules (in-memory DAGs)', () => {
  it('all-of: a consumer of two assets runs once both have events; a consumer of one runs on the first', async () => {
    const dags = [
      producerOf('producer_a', A),
      producerOf('producer_b', B),
      consumerOf('consumer_ab', [A, B]),
      consumerOf('consumer_a', [A]),
    ];
    const t = await createTestOrchestrator('assets4', { dags });
    h = t;
    await t.startScheduler();
    await t.startWorker();
    await waitFor('the DAGs to be recorded', async () => {
      const n = (await t.rt.db.selectFrom('heatflow.dags').select('dag_id').execute()).length;
      return n === 4 ? n : undefined;
    });
    await backfill(t, 'producer_a', '2022-01-01', '2022-01-02');
    await successfulRuns(t, 'consumer_a', 1);
    await passes();
    expect(await consumerRuns(t.rt.db, 'consumer_ab')).toEqual([]);
    expect(await queueRows(t.rt.db, 'consumer_ab')).toHaveLength(2);

    await backfill(t, 'producer_b', '2022-01-05', '2022-01-05');
    const [run] = await successfulRuns(t, 'consumer_ab', 1);
    expect(run?.eventIds).toHaveLength(3);
    expect(run?.data_interval_start).toEqual(iso('2022-01-01'));
    expect(run?.data_interval_end).toEqual(iso('2022-01-06'));
    // the events of A were queued for both consumers and consumed by each
    const aEvents = (await events(t.rt.db)).filter((e) => e.uri === 'test://a').map((e) => e.id);
    const aRuns = await consumerRuns(t.rt.db, 'consumer_a');
    expect(aRuns.flatMap((r) => r.eventIds).sort()).toEqual([...aEvents].sort());
    expect(await queueRows(t.rt.db, 'consumer_a')).toEqual([]);
    expect(await queueRows(t.rt.db, 'consumer_ab')).toEqual([]);
  }, 120_000);

  it('a stale (lease-lost) success records no event; the live try records one, queued for the consumer', async () => {
    const dags = [producerOf('producer_a', A), consumerOf('consumer_a', [A])];
    const t = await createTestOrchestrator('assets5', { dags });
    h = t;
    const db = t.rt.db;
    await syncDagBag(db, t.rt.registry.current(), new Date());
    const runId = makeRunId('backfill', iso('2022-01-01'));
    await insertQueuedRuns(
      db,
      [
        {
          dagId: 'producer_a',
          runId,
          runType: 'backfill',
          logicalDate: iso('2022-01-01'),
          dataIntervalStart: iso('2022-01-01'),
          dataIntervalEnd: iso('2022-01-02'),
        },
      ],
      new Date(),
    );
    await setRunState(db, 'producer_a', runId, 'running', new Date());
    await insertTaskInstances(db, [
      { dagId: 'producer_a', runId, taskId: 'make', maxTries: 1, pool: 'default_pool', poolSlots: 1 },
    ]);
    const worker = { workerId: 'w', hostname: 'h', logPath: '/dev/null' };
    const stale = { dagId: 'producer_a', runId, taskId: 'make', tryNumber: 1, leaseToken: 'lease-1' };
    await db.transaction().execute((trx) => queueTis(trx, [stale], 'process', new Date()));
    expect(await claimTry(db, stale, worker, new Date())).toBeDefined();
    // its lease is taken over (as after a zombie reap): try 2, a new token
    const live = { ...stale, tryNumber: 2, leaseToken: 'lease-2' };
    await db.transaction().execute((trx) => queueTis(trx, [live], 'process', new Date()));
    const success = {
      tiState: 'success',
      tryState: 'success',
      exitCode: 0,
      durationMs: 5,
      recordAssetEvents: true,
    } as const;
    expect(await finishTry(db, stale, success, new Date())).toBe(false);
    expect(await events(db)).toEqual([]);
    expect(await queueRows(db, 'consumer_a')).toEqual([]);
    expect(await claimTry(db, live, worker, new Date())).toBeDefined();
    // a failed outcome with the flag records nothing either
    expect(
      await finishTry(db, live, { ...success, tiState: 'up_for_retry', tryState: 'failed' }, new Date()),
    ).toBe(true);
    expect(await events(db)).toEqual([]);
    const third = { ...stale, tryNumber: 3, leaseToken: 'lease-3' };
    await db.transaction().execute((trx) => queueTis(trx, [third], 'process', new Date()));
    await claimTry(db, third, worker, new Date());
    expect(await finishTry(db, third, success, new Date())).toBe(true);
    const recorded = await events(db);
    expect(recorded.map((e) => [e.uri, e.source_try_number])).toEqual([['test://a', 3]]);
    expect((await queueRows(db, 'consumer_a')).map((q) => q.event_id)).toEqual([recorded[0]?.id]);
  }, 60_000);

  it('two schedulers creating asset-triggered runs at once consume every event exactly once, one run per batch', async () => {
    const dags = [producerOf('producer_a', A), consumerOf('consumer_a', [A], 1000)];
    const t = await createTestOrchestrator('assets6', { dags });
    h = t;
    const db = t.rt.db;
    await syncDagBag(db, t.rt.registry.current(), new Date());
    const queue = new TaskQueue(t.config.REDIS_URL, t.config.HEATFLOW_REDIS_PREFIX);
    const logger = createLogger({ level: 'warn', format: 'json' });
    const schedulers = [1, 2].map(
      () => new Scheduler({ db, queue, registry: t.rt.registry, logger, executorName: 'process' }),
    );
    let produced = 0;
    /** One successful producer run (its own day), recorded as the worker records it. */
    const produce = async () => {
      const i = produced++;
      const logical = new Date(Date.UTC(2022, 0, 1) + i * 86_400_000);
      const runId = makeRunId('backfill', logical);
      await insertQueuedRuns(
        db,
        [
          {
            dagId: 'producer_a',
            runId,
            runType: 'backfill',
            logicalDate: logical,
            dataIntervalStart: logical,
            dataIntervalEnd: new Date(logical.getTime() + 86_400_000),
          },
        ],
        new Date(),
      );
      await insertTaskInstances(db, [
        { dagId: 'producer_a', runId, taskId: 'make', maxTries: 1, pool: 'default_pool', poolSlots: 1 },
      ]);
      const tr = { dagId: 'producer_a', runId, taskId: 'make', tryNumber: 1, leaseToken: `l${i}` };
      await db.transaction().execute((trx) => queueTis(trx, [tr], 'process', new Date()));
      await claimTry(db, tr, { workerId: 'w', hostname: 'h', logPath: '/dev/null' }, new Date());
      await finishTry(
        db,
        tr,
        { tiState: 'success', tryState: 'success', exitCode: 0, durationMs: 1, recordAssetEvents: true },
        new Date(),
      );
    };
    try {
      let created = 0;
      for (let round = 0; round < 15; round++) {
        // producers and both schedulers at the same time
        const results = await Promise.all([
          ...Array.from({ length: 1 + (round % 3) }, () => produce()),
          ...schedulers.map((s) => s.createAssetTriggeredRuns()),
          ...schedulers.map((s) => s.createAssetTriggeredRuns()),
        ]);
        created += results.filter(Array.isArray).reduce((n, r) => n + r.length, 0);
      }
      for (const s of schedulers) created += (await s.createAssetTriggeredRuns()).length;
      const runs = await consumerRuns(db, 'consumer_a');
      const all = (await events(db)).map((e) => e.id);
      expect(all).toHaveLength(produced);
      expect(runs).toHaveLength(created);
      expect(runs.every((r) => r.eventIds.length > 0)).toBe(true);
      const consumed = runs.flatMap((r) => r.eventIds);
      expect([...consumed].sort()).toEqual([...all].sort());
      expect(new Set(consumed).size).toBe(consumed.length);
      expect(new Set(runs.map((r) => r.logical_date.getTime())).size).toBe(runs.length);
      expect(await queueRows(db, 'consumer_a')).toEqual([]);
    } finally {
      await queue.close();
    }
  }, 60_000);
});
