/**
 * The checks and the queueing of `heatflow tasks run` (Airflow's `airflow tasks run`): one new try
 * of a task instance of a recorded DAG run, queued in Postgres as the scheduler queues one (try
 * number incremented, a fresh lease token), for this process to run with the worker's code
 * (`TaskWorker.runQueuedTry`), without BullMQ.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { HeatflowError } from '../core/errors.js';
import { evaluateTriggerRule } from '../core/trigger-rules.js';
import { FINISHED_TI_STATES, type Dag, type TaskInstanceState } from '../core/types.js';
import type { Database, DagRunRow } from '../db/database.js';
import { insertTaskInstances, listRunTis, queueTis, type QueuedTry } from '../db/task-instance-repository.js';

/** Airflow's `tasks run` flags. */
export interface TaskRunFlags {
  /** `-f/--force`: run even when the task instance is in a finished state */
  readonly force?: boolean;
  /** `-i/--ignore-dependencies`: do not check the upstream tasks (the trigger rule) */
  readonly ignoreDependencies?: boolean;
  /** `-A/--ignore-all-dependencies`: no check at all (state, running try, upstream) */
  readonly ignoreAllDependencies?: boolean;
}

/** `tasks run` refused to start a try; the message names the DAG, task and run. */
export class TaskRunRefusedError extends HeatflowError {
  constructor(message: string) {
    super('TASK_RUN_REFUSED', message);
  }
}

const ACTIVE: readonly TaskInstanceState[] = ['queued', 'running'];

/**
 * Checks that the task instance may run now and queues its next try (creating the task instance
 * when the run has none for this task, as Airflow does).
 * @param executor - the executor name recorded on the try (`process`, `docker`)
 * @param liveness - `zombieThresholdMs`: a running try whose heartbeat is older is taken as dead
 * @throws TaskRunRefusedError when it is queued, or running with a fresh heartbeat (always, as
 *   Airflow's TaskNotRunningDep), running with a stale heartbeat (unless `force` or
 *   `ignoreAllDependencies`), in a finished state (unless `force` or `ignoreAllDependencies`), or
 *   its trigger rule does not let it run yet (unless `ignoreDependencies`), naming the upstream
 *   tasks that are not done as the rule needs
 */
export async function queueManualTry(
  db: Kysely<Database>,
  dag: Dag,
  run: DagRunRow,
  taskId: string,
  flags: TaskRunFlags,
  executor: string,
  liveness: { readonly zombieThresholdMs: number },
): Promise<QueuedTry> {
  const task = dag.tasks.get(taskId);
  if (task === undefined)
    throw new TaskRunRefusedError(
      `task "${taskId}" not in DAG "${dag.dagId}" (tasks: ${dag.taskIds.join(', ')})`,
    );
  const where = `${dag.dagId}.${taskId} of run ${run.run_id}`;
  const all = flags.ignoreAllDependencies === true;
  return db.transaction().execute(async (trx) => {
    await insertTaskInstances(trx, [
      {
        dagId: dag.dagId,
        runId: run.run_id,
        taskId,
        maxTries: task.retries,
        pool: task.pool,
        poolSlots: task.poolSlots,
      },
    ]);
    const ti = await trx
      .selectFrom('heatflow.task_instances')
      .selectAll()
      .where('dag_id', '=', dag.dagId)
      .where('run_id', '=', run.run_id)
      .where('task_id', '=', taskId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const state = ti.state as TaskInstanceState;
    if (ACTIVE.includes(state) && ti.lease_token !== null) {
      // Airflow's TaskNotRunningDep cannot be ignored: a try that is alive is never doubled
      const now = Date.now();
      const live =
        state === 'queued' ||
        (ti.heartbeat_at !== null && now - ti.heartbeat_at.getTime() < liveness.zombieThresholdMs);
      const what = `${where} is ${state} (try ${ti.try_number}${ti.worker_id === null ? '' : ` on worker ${ti.worker_id}`})`;
      if (live) throw new TaskRunRefusedError(`${what}; wait for it to finish, or clear it first`);
      if (!all && flags.force !== true)
        throw new TaskRunRefusedError(
          `${what} with no heartbeat for ${liveness.zombieThresholdMs} ms (its worker looks dead); pass --force to start a new try`,
        );
    }
    if (!all && flags.force !== true && FINISHED_TI_STATES.includes(state))
      throw new TaskRunRefusedError(
        `${where} is in the '${state}' state, which is not a valid state for execution; clear it, or pass --force`,
      );
    if (!all && flags.ignoreDependencies !== true && task.upstream.length > 0) {
      const states = new Map((await listRunTis(trx, dag.dagId, run.run_id)).map((t) => [t.task_id, t.state]));
      const upstream = task.upstream.map((u) => (states.get(u) ?? 'none') as TaskInstanceState);
      if (evaluateTriggerRule(task.triggerRule, upstream) !== 'run') {
        const notDone = task.upstream
          .map((u, i) => ({ u, s: upstream[i] ?? 'none' }))
          .filter((x) => x.s !== 'success')
          .map((x) => `${x.u} (${x.s})`);
        throw new TaskRunRefusedError(
          `${where}: trigger rule ${task.triggerRule} not met; upstream task(s) not succeeded: ${notDone.join(', ')}; ` +
            'pass --ignore-dependencies to run it anyway',
        );
      }
    }
    const t: QueuedTry = {
      dagId: dag.dagId,
      runId: run.run_id,
      taskId,
      tryNumber: ti.try_number + 1,
      leaseToken: randomUUID(),
    };
    await queueTis(trx, [t], executor, new Date());
    return t;
  });
}
