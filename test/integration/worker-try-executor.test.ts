/**
 * `task_tries.executor` is the executor the worker ran the try with (issue 14, item 9), not the
 * one the scheduler's configuration names: a scheduler configured for `docker` queues the try, a
 * worker with the process executor runs it. Real Postgres, Redis, scheduler, worker and child.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { parseDagDate } from '../../src/core/timetable.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { countRunsByState } from '../../src/db/dag-run-repository.js';
import { ProcessExecutor } from '../../src/executors/process-executor.js';
import { createBackfill } from '../../src/scheduler/dag-run-service.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

describe('the executor a try records', () => {
  let h: TestOrchestrator;

  beforeAll(async () => {
    const dag = defineDag({
      dagId: 'exec_dag',
      schedule: '0 1 * * *',
      startDate: '2022-01-01',
      timezone: 'UTC',
      isPausedUponCreation: true,
      tasks: [{ taskId: 'only', command: ['node', '-e', '0'] }],
    });
    h = await createTestOrchestrator('tryexec', { dags: [dag], env: { HEATFLOW_EXECUTOR: 'docker' } });
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    await h.startScheduler();
    await h.startWorker({ executor: new ProcessExecutor({ dataDir: h.config.HEATFLOW_DATA_DIR }) });
    const { backfill } = await createBackfill(h.rt.deps, dag, {
      from: parseDagDate('2022-01-01', 'UTC', false),
      to: parseDagDate('2022-01-02', 'UTC', true),
    });
    await waitFor('both runs to succeed', async () => {
      const c = await countRunsByState(h.rt.db, { backfillId: backfill?.id ?? '' });
      return c.success === 2 ? c : undefined;
    });
  }, 60_000);
  afterAll(async () => {
    await h?.cleanup();
  });

  it("is the worker's (process), though the scheduler is configured for docker", async () => {
    expect(h.config.HEATFLOW_EXECUTOR).toBe('docker');
    const rows = await h.rt.db
      .selectFrom('heatflow.task_tries')
      .select(['run_id', 'state', 'executor'])
      .orderBy('run_id')
      .execute();
    expect(rows.map((r) => [r.state, r.executor])).toEqual([
      ['success', 'process'],
      ['success', 'process'],
    ]);
  });
});
