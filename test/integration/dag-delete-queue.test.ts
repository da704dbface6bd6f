/**
 * `dags delete` and the deletion of a DAG run remove their tries' BullMQ jobs (real Redis, a real
 * scheduler and worker): a run re-created at the same logical date starts again at try 1 with the
 * same job id, which a kept finished job would swallow until the queued-try timeout re-adds it
 * (a trial measured 120 s per task). Here the timeout is raised to 60 s, so a swallowed job shows.
 */
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdPrefix } from '../../src/core/run-id.js';
import { defineDag } from '../../src/core/define-dag.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { TASK_QUEUE_NAME } from '../../src/queue/task-queue.js';
import { deleteDag } from '../../src/scheduler/dag-delete-service.js';
import { deleteDagRun } from '../../src/scheduler/dag-run-state-service.js';
import { triggerDagRun } from '../../src/scheduler/dag-run-service.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

const dag = defineDag({
  dagId: 'redo_dag',
  schedule: null,
  startDate: '2022-01-01',
  timezone: 'UTC',
  tasks: [
    { taskId: 'a', command: ['node', '-e', '0'] },
    { taskId: 'b', command: ['node', '-e', '0'], upstream: ['a'] },
  ],
});
const AT = new Date('2022-03-01T01:00:00Z');

describe('deleted runs leave no BullMQ job behind', () => {
  let h: TestOrchestrator;
  let queue: Queue;
  const jobsOfDag = async () =>
    (await queue.getJobs(['wait', 'delayed', 'prioritized', 'completed', 'failed', 'active'], 0, -1)).filter(
      (j) => j.id?.startsWith(jobIdPrefix(dag.dagId)) === true,
    ).length;
  const runOnce = async () => {
    const run = await triggerDagRun(h.rt.deps, dag, { logicalDate: AT });
    const done = await waitFor(
      'the run to succeed',
      async () => {
        const r = await h.rt.db
          .selectFrom('heatflow.dag_runs')
          .select('state')
          .where('run_id', '=', run.run_id)
          .executeTakeFirst();
        return r?.state === 'success' ? r : undefined;
      },
      40_000,
      100,
    );
    expect(done.state).toBe('success');
    // no try waited for the queued-try timeout: each started within seconds of being queued
    const tries = await h.rt.db
      .selectFrom('heatflow.task_tries')
      .select(['task_id', 'try_number', 'queued_at', 'start_date'])
      .where('run_id', '=', run.run_id)
      .execute();
    expect(tries.map((t) => [t.task_id, t.try_number])).toEqual(
      expect.arrayContaining([
        ['a', 1],
        ['b', 1],
      ]),
    );
    for (const t of tries)
      expect(new Date(t.start_date ?? 0).getTime() - new Date(t.queued_at ?? 0).getTime()).toBeLessThan(
        15_000,
      );
    return run;
  };

  beforeAll(async () => {
    h = await createTestOrchestrator('redo', { dags: [dag], env: { HEATFLOW_QUEUED_TIMEOUT_MS: '60000' } });
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    queue = new Queue(TASK_QUEUE_NAME, { connection: h.rt.redis, prefix: h.config.HEATFLOW_REDIS_PREFIX });
    await h.startScheduler();
    await h.startWorker();
  }, 60_000);
  afterAll(async () => {
    await queue?.close();
    await h?.cleanup();
  });

  it('a DAG run deleted and triggered again runs at once', async () => {
    const run = await runOnce();
    expect(await jobsOfDag()).toBeGreaterThan(0);
    await deleteDagRun(h.rt.deps, { dagId: dag.dagId, runId: run.run_id });
    expect(await jobsOfDag()).toBe(0);
    await runOnce();
  }, 120_000);

  it('a DAG deleted, synced again and triggered again runs at once', async () => {
    const r = await deleteDag(h.rt.deps, dag.dagId);
    expect(r.queueJobs).toBeGreaterThan(0);
    expect(await jobsOfDag()).toBe(0);
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    await runOnce();
  }, 120_000);
});
