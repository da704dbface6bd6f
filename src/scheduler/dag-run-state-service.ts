/**
 * Setting a DAG run's state by hand and deleting a run, as Airflow's `PATCH` and `DELETE` of
 * `/dags/{dag_id}/dagRuns/{dag_run_id}` do. Both take the run's row lock first, as the scheduler
 * does when it evaluates a run, so a scheduler pass never closes a run on task states read before
 * the change. Source of the semantics: Airflow 2's `set_dag_run_state_to_success`,
 * `set_dag_run_state_to_failed` and `set_dag_run_state_to_queued`
 * (`airflow/api/common/mark_tasks.py`).
 */
import { removeTaskJobs } from '../queue/remove-task-jobs.js';
import { NotFoundError } from '../core/errors.js';
import type { DagRunState } from '../core/types.js';
import { lockRun, setRunState } from '../db/dag-run-repository.js';
import { publishEvent } from '../queue/events.js';
import type { ServiceDeps } from './dag-run-service.js';

/** The states a run can be set to by hand (Airflow's `UpdateDagRunState`). */
export type ManualRunState = Extract<DagRunState, 'success' | 'failed' | 'queued'>;

/** Task instance states that are not finished (a run set to success or failed finishes them). */
const UNFINISHED = ['none', 'scheduled', 'queued', 'up_for_retry', 'up_for_reschedule'];

/** What {@link setDagRunState} changed. */
export interface RunStateChange {
  readonly previousState: string;
  /** task instances whose state it set, by new state */
  readonly tasksSet: Readonly<Record<string, number>>;
}

/**
 * Sets a run's state by hand:
 * - `success`: every task instance not yet `success` or `skipped` becomes `success`;
 * - `failed`: running task instances become `failed`, the unfinished ones `skipped`;
 * - `queued`: only the run's state (the scheduler starts it again and re-evaluates its tasks).
 * A running try loses its lease (its worker kills it), as with "mark task instance".
 * @param note - stored as the run's note (`state_reason`); `@defaultValue` "set to <state> by hand"
 * @throws NotFoundError when the run does not exist
 */
export async function setDagRunState(
  d: ServiceDeps,
  ref: { readonly dagId: string; readonly runId: string },
  state: ManualRunState,
  note?: string,
): Promise<RunStateChange> {
  const t = (d.clock ?? (() => new Date()))();
  const reason = note ?? `set to ${state} by hand`;
  const change = await d.db.transaction().execute(async (trx) => {
    const run = await lockRun(trx, ref.dagId, ref.runId);
    if (run === undefined) throw new NotFoundError(`DAG run "${ref.runId}" of DAG "${ref.dagId}" not found`);
    const tasksSet: Record<string, number> = {};
    const set = async (to: string, from: readonly string[]) => {
      const r = await trx
        .updateTable('heatflow.task_instances')
        .set({ state: to, lease_token: null, end_date: t, state_reason: reason, updated_at: t })
        .where('dag_id', '=', ref.dagId)
        .where('run_id', '=', ref.runId)
        .where('state', 'in', [...from])
        .executeTakeFirst();
      if (r.numUpdatedRows > 0n) tasksSet[to] = Number(r.numUpdatedRows);
    };
    if (state === 'success') await set('success', [...UNFINISHED, 'running', 'failed', 'upstream_failed']);
    if (state === 'failed') {
      await set('failed', ['running']);
      await set('skipped', UNFINISHED);
    }
    await setRunState(trx, ref.dagId, ref.runId, state, t, reason);
    return { previousState: run.state, tasksSet };
  });
  if (d.redis !== undefined)
    await publishEvent(d.redis, d.prefix, {
      kind: state === 'queued' ? 'run_created' : 'cleared',
      dagId: ref.dagId,
      runId: ref.runId,
    });
  return change;
}

/**
 * Deletes a run with its task instances and tries (foreign keys cascade) and its XComs. A running
 * try's worker finds its task instance gone at its next fenced write and stops. Log files stay on
 * disk; asset events the run produced stay (their consumers may already have run on them).
 * @returns the task ids the run had
 * @throws NotFoundError when the run does not exist
 */
export async function deleteDagRun(
  d: ServiceDeps,
  ref: { readonly dagId: string; readonly runId: string },
): Promise<readonly string[]> {
  const taskIds = await d.db.transaction().execute(async (trx) => {
    const run = await lockRun(trx, ref.dagId, ref.runId);
    if (run === undefined) throw new NotFoundError(`DAG run "${ref.runId}" of DAG "${ref.dagId}" not found`);
    const tis = await trx
      .selectFrom('heatflow.task_instances')
      .select('task_id')
      .where('dag_id', '=', ref.dagId)
      .where('run_id', '=', ref.runId)
      .execute();
    await trx
      .deleteFrom('heatflow.dag_runs')
      .where('dag_id', '=', ref.dagId)
      .where('run_id', '=', ref.runId)
      .execute();
    return tis.map((ti) => ti.task_id);
  });
  if (d.xcom !== undefined)
    for (const taskId of taskIds) await d.xcom.clear({ dagId: ref.dagId, runId: ref.runId, taskId });
  // a run re-created with this id starts at try 1 again: its old jobs would swallow the new ones
  if (d.redis !== undefined) await removeTaskJobs(d.redis, d.prefix, ref.dagId, ref.runId);
  return taskIds;
}
