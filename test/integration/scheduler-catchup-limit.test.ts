/**
 * Catch-up creates scheduled runs only as `max_active_runs` leaves room (issue 16, item 3: unpausing
 * tado_etl after the demo queued 1,415 runs at once), stepping over days that have a run, safely
 * with two schedulers; `dags unpause` says how many runs catch-up makes and since when. Real
 * Postgres and Redis; the schedulers are driven step by step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catchupLine } from '../../src/cli/next-run-output.js';
import { defineDag } from '../../src/core/define-dag.js';
import { makeRunId } from '../../src/core/run-id.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns, setRunState } from '../../src/db/dag-run-repository.js';
import { createLogger } from '../../src/logging/logger.js';
import { TaskQueue } from '../../src/queue/task-queue.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
const start = new Date(today - 20 * DAY);
const dag = defineDag({
  dagId: 'catchup_dag',
  schedule: '0 1 * * *',
  startDate: start.toISOString().slice(0, 10),
  timezone: 'UTC',
  catchup: true,
  maxActiveRuns: 3,
  tasks: [{ taskId: 'only', command: ['node', '-e', '0'] }],
});
const dayAt = (i: number) => new Date(start.getTime() + i * DAY + 3_600_000);

describe('catch-up within max_active_runs (real Postgres and Redis)', () => {
  let h: TestOrchestrator;
  let queue: TaskQueue;
  let schedulers: Scheduler[];
  beforeAll(async () => {
    h = await createTestOrchestrator('catchup', { dags: [dag] });
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    queue = new TaskQueue(h.config.REDIS_URL, h.config.HEATFLOW_REDIS_PREFIX);
    const logger = createLogger({ level: 'warn', format: 'json' });
    schedulers = [1, 2].map(
      () => new Scheduler({ db: h.rt.db, queue, registry: h.rt.registry, logger, executorName: 'process' }),
    );
    // the first 5 days were backfilled (finished runs of another run type)
    await insertQueuedRuns(
      h.rt.db,
      [0, 1, 2, 3, 4].map((i) => ({
        dagId: dag.dagId,
        runId: makeRunId('backfill', dayAt(i)),
        runType: 'backfill' as const,
        logicalDate: dayAt(i),
        dataIntervalStart: dayAt(i),
        dataIntervalEnd: dayAt(i + 1),
      })),
      new Date(),
    );
    for (const i of [0, 1, 2, 3, 4])
      await setRunState(h.rt.db, dag.dagId, makeRunId('backfill', dayAt(i)), 'success', new Date());
  }, 60_000);
  afterAll(async () => {
    await queue?.close();
    await h?.cleanup();
  });

  const scheduledRuns = () =>
    h.rt.db
      .selectFrom('heatflow.dag_runs')
      .select(['run_id', 'logical_date', 'state'])
      .where('dag_id', '=', dag.dagId)
      .where('run_type', '=', 'scheduled')
      .orderBy('logical_date')
      .execute();

  it('unpause says how many runs catch-up will create and from when', async () => {
    // due: days 5 .. 19 (day 19's interval ended at today 01:00 when it is past 01:00 UTC)
    const line = await catchupLine(h.rt, dag.dagId);
    const day5 = dayAt(5).toISOString().slice(0, 10);
    expect(line).toMatch(
      new RegExp(`^catch-up will create 1[45] runs from ${day5} \\(max_active_runs 3 at a time\\)$`),
    );
  });

  it('two schedulers at once create max_active_runs runs, after the backfilled days; none more until one finishes', async () => {
    const created = await Promise.all(schedulers.map((s) => s.createScheduledRuns(dag)));
    expect(created.reduce((a, b) => a + b, 0)).toBe(3);
    const first = await scheduledRuns();
    expect(first.map((r) => r.logical_date.getTime())).toEqual([5, 6, 7].map((i) => dayAt(i).getTime()));
    expect(await schedulers[0]?.createScheduledRuns(dag)).toBe(0);
    // one run finishes: room for one more, the next day
    await setRunState(h.rt.db, dag.dagId, first[0]?.run_id ?? '', 'success', new Date());
    expect(await schedulers[1]?.createScheduledRuns(dag)).toBe(1);
    const after = await scheduledRuns();
    expect(after.map((r) => r.logical_date.getTime())).toEqual([5, 6, 7, 8].map((i) => dayAt(i).getTime()));
  }, 60_000);
});
