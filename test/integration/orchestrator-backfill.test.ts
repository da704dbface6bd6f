import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { parseDagDate } from '../../src/core/timetable.js';
import { countRunsByState, getRun, lockRun, setRunState } from '../../src/db/dag-run-repository.js';
import { insertTaskInstances, setTiStates } from '../../src/db/task-instance-repository.js';
import { createBackfill, markTaskInstance } from '../../src/scheduler/dag-run-service.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

const step = (mode = 'ok') => ['node', path.resolve('test/fixtures/task-scripts/step.mjs'), mode];

const etlLike = defineDag({
  dagId: 'four_tasks',
  schedule: '0 1 * * *',
  startDate: '2022-01-01',
  timezone: 'Europe/London',
  // paused: the schedule creates no runs of its own; backfill runs still run (docs/adr)
  isPausedUponCreation: true,
  maxActiveRuns: 3,
  tasks: [
    { taskId: 'extract', command: step() },
    { taskId: 'validate', command: step('echo-upstream'), upstream: ['extract'] },
    { taskId: 'transform', command: step(), upstream: ['validate'] },
    { taskId: 'load', command: step(), upstream: ['transform'] },
  ],
});

describe('a four-task DAG backfilled over 30 days (process executor, real Postgres and Redis)', () => {
  let h: TestOrchestrator;
  beforeAll(async () => {
    h = await createTestOrchestrator('backfill30', { dags: [etlLike] });
    await h.startScheduler();
    await h.startWorker({ concurrency: 4 });
  });
  afterAll(async () => h.cleanup());

  it('ends with 30 successful runs, never more than max_active_runs at once, XCom passed downstream', async () => {
    const from = parseDagDate('2022-01-01', 'Europe/London', false);
    const to = parseDagDate('2022-01-30', 'Europe/London', true);
    const { backfill, plan } = await createBackfill(h.rt.deps, etlLike, { from, to, maxActiveRuns: 3 });
    expect(plan).toHaveLength(30);
    const id = backfill?.id ?? '';
    const counts = await waitFor(
      'the backfill to finish',
      async () => {
        const c = await countRunsByState(h.rt.db, { backfillId: id });
        return (c.success ?? 0) + (c.failed ?? 0) === 30 ? c : undefined;
      },
      120_000,
    );
    expect(counts).toEqual({ success: 30 });

    const runs = await h.rt.db.selectFrom('heatflow.dag_runs').selectAll().orderBy('logical_date').execute();
    expect(runs).toHaveLength(30);
    expect(runs[0]?.run_id).toBe('backfill__2022-01-01T01:00:00+00:00');
    // max_active_runs: the largest number of runs whose [start, end] overlap.
    const events = runs.flatMap((r) => [
      { t: r.start_date?.getTime() ?? 0, d: 1 },
      { t: r.end_date?.getTime() ?? 0, d: -1 },
    ]);
    events.sort((a, b) => a.t - b.t || a.d - b.d);
    let cur = 0;
    let peak = 0;
    for (const e of events) peak = Math.max(peak, (cur += e.d));
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(3);

    const tis = await h.rt.db.selectFrom('heatflow.task_instances').selectAll().execute();
    expect(tis).toHaveLength(120);
    expect(tis.every((t) => t.state === 'success' && t.try_number === 1)).toBe(true);

    const first = runs[0];
    const v = await h.rt.xcom.pull({ dagId: 'four_tasks', runId: first?.run_id ?? '', taskId: 'validate' });
    expect(v).toEqual({ sawUpstream: { extract: { task: 'extract', ds: '2022-01-01' } } });
    const log = await readFile(
      path.join(h.config.HEATFLOW_DATA_DIR, 'runs', 'four_tasks', first?.run_id ?? '', 'executions.log'),
      'utf8',
    );
    expect(log.trim().split('\n')).toHaveLength(4);
  }, 240_000);

  it('reprocessing a failed run re-runs only its failed tasks, which still read the XComs of those that succeeded', async () => {
    const runId = 'backfill__2022-01-05T01:00:00+00:00';
    const ref = { dagId: 'four_tasks', runId };
    // validate fails (by hand), the rest of the run with it
    await markTaskInstance(h.rt.deps, { ...ref, taskId: 'validate' }, 'failed');
    for (const taskId of ['transform', 'load'])
      await markTaskInstance(h.rt.deps, { ...ref, taskId }, 'failed');
    await waitFor(
      'the run to fail',
      async () => ((await getRun(h.rt.db, 'four_tasks', runId))?.state === 'failed' ? true : undefined),
      30_000,
    );
    const day = parseDagDate('2022-01-05', 'Europe/London', false);
    const { backfill, plan } = await createBackfill(h.rt.deps, etlLike, {
      from: day,
      to: parseDagDate('2022-01-05', 'Europe/London', true),
      reprocess: 'failed',
    });
    expect(plan.map((p) => p.action)).toEqual(['reprocess']);
    await waitFor(
      'the reprocessed run to succeed',
      async () => {
        const c = await countRunsByState(h.rt.db, { backfillId: backfill?.id ?? '' });
        return c.success === 1 ? c : c.failed === 1 ? { failed: 1 } : undefined;
      },
      60_000,
    );
    expect((await getRun(h.rt.db, 'four_tasks', runId))?.state).toBe('success');
    // extract was not redone and kept its XCom, which the new validate try read
    const v = await h.rt.xcom.pull({ ...ref, taskId: 'validate' });
    expect(v).toEqual({ sawUpstream: { extract: { task: 'extract', ds: '2022-01-05' } } });
    const log = await readFile(
      path.join(h.config.HEATFLOW_DATA_DIR, 'runs', 'four_tasks', runId, 'executions.log'),
      'utf8',
    );
    expect(
      log
        .trim()
        .split('\n')
        .map((l) => l.split(' ').slice(0, 2).join(' ')),
    ).toEqual([
      'extract try=1',
      'validate try=1',
      'transform try=1',
      'load try=1',
      'validate try=2',
      'transform try=2',
      'load try=2',
    ]);
  }, 120_000);

  it('refuses a range ending in the future or before the start date, naming why, and creates nothing', async () => {
    const before = await countRunsByState(h.rt.db, { dagId: 'four_tasks' });
    const far = createBackfill(h.rt.deps, etlLike, {
      from: parseDagDate('2022-01-01', 'Europe/London', false),
      to: parseDagDate('9999-12-31', 'Europe/London', true),
      dryRun: true,
    });
    await expect(far).rejects.toMatchObject({ code: 'BACKFILL_RANGE' });
    await expect(far).rejects.toThrow(/backfill end 9999-12-31T23:59:59.999Z is in the future/);
    const early = createBackfill(h.rt.deps, etlLike, {
      from: parseDagDate('2021-12-30', 'Europe/London', false),
      to: parseDagDate('2021-12-31', 'Europe/London', true),
    });
    await expect(early).rejects.toMatchObject({ code: 'BACKFILL_EMPTY' });
    await expect(early).rejects.toThrow(/the DAG starts on 2022-01-01T00:00:00.000Z \(its start date\)/);
    expect(await countRunsByState(h.rt.db, { dagId: 'four_tasks' })).toEqual(before);
  });
});

describe('marking a task instance by hand', () => {
  it('waits for a scheduler pass that holds the run, then reopens the run that pass closed', async () => {
    const g = await createTestOrchestrator('mark', { dags: [etlLike] });
    try {
      const dagId = 'four_tasks';
      const runId = 'backfill__2022-02-01T01:00:00+00:00';
      await createBackfill(g.rt.deps, etlLike, {
        from: parseDagDate('2022-02-01', 'Europe/London', false),
        to: parseDagDate('2022-02-01', 'Europe/London', true),
      });
      const t0 = new Date();
      await g.rt.db.transaction().execute(async (trx) => {
        await setRunState(trx, dagId, runId, 'running', t0);
        await insertTaskInstances(
          trx,
          etlLike.taskIds.map((taskId) => ({
            dagId,
            runId,
            taskId,
            maxTries: 0,
            pool: 'default_pool',
            poolSlots: 1,
          })),
        );
        await setTiStates(trx, dagId, runId, etlLike.taskIds, 'success', t0);
      });
      // A scheduler pass (no scheduler runs here): it holds the run's lock, has read every task
      // instance as success, and closes the run. A mark made meanwhile must wait for it, then
      // reopen the run; before, it went through at once and the pass closed the run over it.
      let marked = false;
      let mark: Promise<void> | undefined;
      await g.rt.db.transaction().execute(async (trx) => {
        await lockRun(trx, dagId, runId);
        mark = markTaskInstance(g.rt.deps, { dagId, runId, taskId: 'load' }, 'failed').then(() => {
          marked = true;
        });
        await new Promise((r) => setTimeout(r, 500));
        expect(marked).toBe(false);
        await setRunState(trx, dagId, runId, 'success', new Date());
      });
      await mark;
      expect((await getRun(g.rt.db, dagId, runId))?.state).toBe('running');
    } finally {
      await g.cleanup();
    }
  }, 60_000);
});
