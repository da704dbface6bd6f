/**
 * Fault suite, issue 14 item 3: a run id that would escape HEATFLOW_LOG_DIR and HEATFLOW_DATA_DIR.
 * The service refuses it at the door (the REST API's refusal is in web-security.test.ts); a run
 * recorded with such an id before ids were checked is failed by the worker without writing a log,
 * a run folder or an XCom file anywhere, while an ordinary run of the same DAG succeeds. Real
 * Postgres, Redis, scheduler, worker and process executor.
 */
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { InvalidIdError } from '../../src/core/errors.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns } from '../../src/db/dag-run-repository.js';
import { triggerDagRun } from '../../src/scheduler/dag-run-service.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

const STEP = path.resolve('test/fixtures/task-scripts/step.mjs');
const HOSTILE = '../../../../elsewhere/evil';

let h: TestOrchestrator | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

describe('run ids cannot escape the log and data folders', () => {
  it('the trigger service refuses an unsafe run id, naming it', async () => {
    const dag = defineDag({
      dagId: 'escape_dag',
      schedule: null,
      startDate: '2022-01-01',
      tasks: [{ taskId: 't', command: ['node', STEP, 'ok'] }],
    });
    h = await createTestOrchestrator('escape1', { dags: [dag] });
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    for (const bad of [HOSTILE, '..', 'a/b', 'x\u0000y'])
      await expect(triggerDagRun(h.rt.deps, dag, { runId: bad }), bad).rejects.toThrow(InvalidIdError);
    await expect(triggerDagRun(h.rt.deps, dag, { runId: HOSTILE })).rejects.toThrow(
      /invalid run_id "..\/..\/..\/..\/elsewhere\/evil": may contain only/,
    );
    expect(await h.rt.db.selectFrom('heatflow.dag_runs').select('run_id').execute()).toEqual([]);
  });

  it('a run recorded with a hostile id is failed by the worker, writing nothing outside (or inside) the roots', async () => {
    const dag = defineDag({
      dagId: 'escape_dag',
      schedule: null,
      startDate: '2022-01-01',
      defaultArgs: { retries: 2, retryDelayMs: 100 },
      tasks: [{ taskId: 't', command: ['node', STEP, 'ok'] }],
    });
    h = await createTestOrchestrator('escape2', { dags: [dag] });
    const t = h;
    await syncDagBag(t.rt.db, t.rt.registry.current(), new Date());
    const at = (d: number) => new Date(Date.UTC(2022, 0, d));
    // as such a run was recorded before ids were checked
    await insertQueuedRuns(
      t.rt.db,
      [HOSTILE, 'manual__ordinary'].map((runId, i) => ({
        dagId: 'escape_dag',
        runId,
        runType: 'manual' as const,
        logicalDate: at(i + 1),
        dataIntervalStart: at(i + 1),
        dataIntervalEnd: at(i + 2),
      })),
      new Date(),
    );
    await t.startScheduler();
    await t.startWorker();
    const states = await waitFor(
      'both runs to finish',
      async () => {
        const rows = await t.rt.db
          .selectFrom('heatflow.dag_runs')
          .select(['run_id', 'state'])
          .orderBy('run_id')
          .execute();
        return rows.every((r) => r.state === 'success' || r.state === 'failed') ? rows : undefined;
      },
      30_000,
    );
    expect(states).toEqual([
      { run_id: HOSTILE, state: 'failed' },
      { run_id: 'manual__ordinary', state: 'success' },
    ]);
    const tries = await t.rt.db
      .selectFrom('heatflow.task_tries')
      .select(['run_id', 'try_number', 'state', 'error', 'log_path'])
      .orderBy('run_id')
      .execute();
    // one try each: the refusal is not retried (it cannot heal)
    expect(tries.map((x) => [x.run_id, x.try_number, x.state])).toEqual([
      [HOSTILE, 1, 'failed'],
      ['manual__ordinary', 1, 'success'],
    ]);
    expect(tries[0]?.error).toMatch(/^refused: invalid run_id "..\/..\/..\/..\/elsewhere\/evil"/);
    expect(tries[0]?.log_path).toBe('');
    // where the hostile id pointed: nothing was written there
    const logDir = t.config.HEATFLOW_LOG_DIR;
    const dataDir = t.config.HEATFLOW_DATA_DIR;
    for (const p of [
      path.resolve(logDir, 'dag_id=escape_dag', `run_id=${HOSTILE}`),
      path.resolve(dataDir, 'runs', 'escape_dag', HOSTILE),
      path.resolve(dataDir, 'elsewhere'),
      path.resolve(logDir, '..', '..', '..', 'elsewhere'),
    ])
      expect(await exists(p), p).toBe(false);
    // inside the roots: only the ordinary run's folders
    expect(await readdir(path.join(dataDir, 'runs', 'escape_dag'))).toEqual(['manual__ordinary']);
    expect(await readdir(path.join(logDir, 'dag_id=escape_dag'))).toEqual(['run_id=manual__ordinary']);
  });
});
