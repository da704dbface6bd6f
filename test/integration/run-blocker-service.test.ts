/**
 * Why a DAG run is not moving, as the run page, `dags state` and the backfill progress line read
 * it (src/scheduler/run-blocker-service.ts over the pure src/core/run-blocker.ts; issue 16, item
 * 4): gathered from real Postgres and Redis while a real scheduler and worker move the runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { setDagPaused } from '../../src/db/dag-repository.js';
import type { DagRunRow } from '../../src/db/database.js';
import { runBlockers } from '../../src/scheduler/run-blocker-service.js';
import { triggerDagRun } from '../../src/scheduler/dag-run-service.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

const dag = defineDag({
  dagId: 'blocked_dag',
  schedule: null,
  startDate: '2022-01-01',
  timezone: 'UTC',
  maxActiveRuns: 1,
  tasks: [{ taskId: 'only', command: ['node', '-e', 'setTimeout(() => {}, 300)'] }],
});

describe('run blockers from the real database and Redis', () => {
  let h: TestOrchestrator;
  let runs: DagRunRow[];
  beforeAll(async () => {
    h = await createTestOrchestrator('blockers', { dags: [dag] });
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    await setDagPaused(h.rt.db, dag.dagId, true);
    runs = [];
    for (const day of ['2022-01-01', '2022-01-02'])
      runs.push(await triggerDagRun(h.rt.deps, dag, { logicalDate: new Date(`${day}T01:00:00Z`) }));
  }, 60_000);
  afterAll(async () => {
    await h?.cleanup();
  });

  const current = () =>
    h.rt.db
      .selectFrom('heatflow.dag_runs')
      .selectAll()
      .where('dag_id', '=', dag.dagId)
      .orderBy('logical_date')
      .execute();

  it('a paused DAG holds both queued manual runs', async () => {
    const why = await runBlockers(h.rt.deps, dag.dagId, await current());
    expect([...why.values()]).toEqual([
      'DAG blocked_dag is paused: its manual runs wait until `heatflow dags unpause blocked_dag`',
      'DAG blocked_dag is paused: its manual runs wait until `heatflow dags unpause blocked_dag`',
    ]);
  });

  it('unpaused with a scheduler and no worker: max_active_runs holds the second, no worker the first', async () => {
    await setDagPaused(h.rt.db, dag.dagId, false);
    await h.startScheduler();
    const first = runs[0]?.run_id ?? '';
    const second = runs[1]?.run_id ?? '';
    const why = await waitFor(
      'the first run to be running with a queued task instance',
      async () => {
        const m = await runBlockers(h.rt.deps, dag.dagId, await current());
        return m.get(first)?.startsWith('no worker alive') === true ? m : undefined;
      },
      30_000,
      200,
    );
    expect(why.get(first)).toBe(
      'no worker alive (start `heatflow worker`): its queued task instances are not picked up',
    );
    expect(why.get(second)).toBe('max_active_runs reached (1 of 1 runs running)');
  }, 60_000);

  it('with a worker both runs finish and nothing is reported', async () => {
    await h.startWorker();
    const done = await waitFor(
      'both runs to succeed',
      async () => {
        const rows = await current();
        return rows.every((r) => r.state === 'success') ? rows : undefined;
      },
      60_000,
      200,
    );
    expect((await runBlockers(h.rt.deps, dag.dagId, done)).size).toBe(0);
  }, 90_000);
});
