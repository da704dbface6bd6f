/**
 * SQL for `heatflow.task_instances` and `heatflow.task_tries`. Every write a worker makes is
 * fenced by the try's lease token: a stale worker's write matches no row.
 */
import { sql, type Kysely } from 'kysely';
import type { TaskInstanceState } from '../core/types.js';
import type { Database, DagRunRow, TaskInstanceRow, TaskTryRow } from './database.js';

/** Identifies a task instance. */
export interface TiRef {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
}

/** A task instance to create. */
export interface NewTi extends TiRef {
  readonly maxTries: number;
  readonly pool: string;
  readonly poolSlots: number;
}

/** Creates task instances in state `none`; existing ones are left alone. */
export async function insertTaskInstances(trx: Kysely<Database>, tis: readonly NewTi[]): Promise<void> {
  if (tis.length === 0) return;
  await trx
    .insertInto('heatflow.task_instances')
    .values(
      tis.map((t) => ({
        dag_id: t.dagId,
        run_id: t.runId,
        task_id: t.taskId,
        state: 'none',
        max_tries: t.maxTries,
        pool: t.pool,
        pool_slots: t.poolSlots,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Task instances of one run. */
export async function listRunTis(
  db: Kysely<Database>,
  dagId: string,
  runId: string,
): Promise<TaskInstanceRow[]> {
  return db
    .selectFrom('heatflow.task_instances')
    .selectAll()
    .where('dag_id', '=', dagId)
    .where('run_id', '=', runId)
    .execute();
}

/** One task instance, or undefined. */
export async function getTi(db: Kysely<Database>, ref: TiRef): Promise<TaskInstanceRow | undefined> {
  return db
    .selectFrom('heatflow.task_instances')
    .selectAll()
    .where('dag_id', '=', ref.dagId)
    .where('run_id', '=', ref.runId)
    .where('task_id', '=', ref.taskId)
    .executeTakeFirst();
}

/** Sets the state of some task instances of one run (scheduler decisions). */
export async function setTiStates(
  trx: Kysely<Database>,
  dagId: string,
  runId: string,
  taskIds: readonly string[],
  state: TaskInstanceState,
  now: Date,
  reason?: string,
): Promise<void> {
  if (taskIds.length === 0) return;
  const finished = state === 'skipped' || state === 'upstream_failed' || state === 'removed';
  await trx
    .updateTable('heatflow.task_instances')
    .set({
      state,
      updated_at: now,
      ...(finished ? { end_date: now, lease_token: null } : {}),
      ...(reason === undefined ? {} : { state_reason: reason }),
    })
    .where('dag_id', '=', dagId)
    .where('run_id', '=', runId)
    .where('task_id', 'in', taskIds)
    .execute();
}

/** Queued + running task instances of a DAG (for `max_active_tasks`). */
export async function countActiveTis(trx: Kysely<Database>, dagId: string): Promise<number> {
  const r = await trx
    .selectFrom('heatflow.task_instances')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('dag_id', '=', dagId)
    .where('state', 'in', ['queued', 'running'])
    .executeTakeFirstOrThrow();
  return r.n;
}

/** Slots in use (queued + running) and total, per pool. */
export async function poolUsage(
  trx: Kysely<Database>,
): Promise<Map<string, { used: number; slots: number }>> {
  const pools = await trx.selectFrom('heatflow.pools').select(['pool', 'slots']).execute();
  const used = await trx
    .selectFrom('heatflow.task_instances')
    .select(['pool', sql<number>`coalesce(sum(pool_slots), 0)::int`.as('n')])
    .where('state', 'in', ['queued', 'running'])
    .groupBy('pool')
    .execute();
  const usedBy = new Map(used.map((u) => [u.pool, u.n]));
  return new Map(pools.map((p) => [p.pool, { used: usedBy.get(p.pool) ?? 0, slots: p.slots }]));
}

/** A try the scheduler has just queued. */
export interface QueuedTry extends TiRef {
  readonly tryNumber: number;
  readonly leaseToken: string;
}

/**
 * Moves task instances to `queued`: increments the try number, sets a new lease token and records
 * the try's row.
 */
export async function queueTis(
  trx: Kysely<Database>,
  tries: readonly QueuedTry[],
  executor: string,
  now: Date,
): Promise<void> {
  if (tries.length === 0) return;
  // One UPDATE for all tries: (dag_id, run_id, task_id, try_number, lease_token) rows joined in.
  const values = sql.join(
    tries.map((t) => sql`(${t.dagId}, ${t.runId}, ${t.taskId}, ${t.tryNumber}::int, ${t.leaseToken})`),
  );
  await sql`
    UPDATE heatflow.task_instances AS ti SET
      state = 'queued', try_number = v.try_number, lease_token = v.lease_token, queued_at = ${now},
      start_date = NULL, end_date = NULL, duration_ms = NULL, next_retry_at = NULL, worker_id = NULL,
      heartbeat_at = NULL, state_reason = NULL, updated_at = ${now}
    FROM (VALUES ${values}) AS v(dag_id, run_id, task_id, try_number, lease_token)
    WHERE ti.dag_id = v.dag_id AND ti.run_id = v.run_id AND ti.task_id = v.task_id`.execute(trx);
  await trx
    .insertInto('heatflow.task_tries')
    .values(
      tries.map((t) => ({
        dag_id: t.dagId,
        run_id: t.runId,
        task_id: t.taskId,
        try_number: t.tryNumber,
        state: 'queued',
        lease_token: t.leaseToken,
        executor,
        queued_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['dag_id', 'run_id', 'task_id', 'try_number']).doUpdateSet((eb) => ({
        state: 'queued',
        lease_token: eb.ref('excluded.lease_token'),
        queued_at: eb.ref('excluded.queued_at'),
        start_date: null,
        end_date: null,
        exit_code: null,
        error: null,
      })),
    )
    .execute();
}

/** A claimed task instance with what the worker needs of its DAG run. */
export type ClaimedTry = TaskInstanceRow &
  Pick<DagRunRow, 'run_type' | 'logical_date' | 'data_interval_start' | 'data_interval_end' | 'conf'>;

/**
 * A worker claims a queued try: `queued` → `running`, only when the lease token and try number
 * still match. @returns the task instance, or undefined when the try is no longer queued (drop it)
 */
export async function claimTry(
  db: Kysely<Database>,
  t: QueuedTry,
  worker: {
    workerId: string;
    hostname: string;
    logPath: string;
    /**
     * the executor this worker runs the try with (`process`, `docker`): replaces the one the
     * scheduler queued it under, since the worker's own configuration decides; absent: kept
     */
    executor?: string;
  },
  now: Date,
): Promise<ClaimedTry | undefined> {
  // One statement (both rows or neither, plus the run's dates): a claim is on every try's hot path.
  const r = await sql<ClaimedTry>`
    WITH ti AS (
      UPDATE heatflow.task_instances
      SET state = 'running', start_date = ${now}, heartbeat_at = ${now}, worker_id = ${worker.workerId}, updated_at = ${now}
      WHERE dag_id = ${t.dagId} AND run_id = ${t.runId} AND task_id = ${t.taskId}
        AND state = 'queued' AND try_number = ${t.tryNumber} AND lease_token = ${t.leaseToken}
      RETURNING *
    ), try AS (
      UPDATE heatflow.task_tries
      SET state = 'running', start_date = ${now}, worker_id = ${worker.workerId}, hostname = ${worker.hostname},
          log_path = ${worker.logPath}, executor = COALESCE(${worker.executor ?? null}::text, executor)
      WHERE dag_id = ${t.dagId} AND run_id = ${t.runId} AND task_id = ${t.taskId} AND try_number = ${t.tryNumber}
        AND EXISTS (SELECT 1 FROM ti)
    )
    SELECT ti.*, r.run_type, r.logical_date, r.data_interval_start, r.data_interval_end, r.conf
    FROM ti JOIN heatflow.dag_runs r ON r.dag_id = ti.dag_id AND r.run_id = ti.run_id`.execute(db);
  return r.rows[0];
}

/** Records the container id of a running try. */
export async function setTryContainer(
  db: Kysely<Database>,
  t: QueuedTry,
  containerId: string,
): Promise<void> {
  await db
    .updateTable('heatflow.task_tries')
    .set({ container_id: containerId })
    .where('dag_id', '=', t.dagId)
    .where('run_id', '=', t.runId)
    .where('task_id', '=', t.taskId)
    .where('try_number', '=', t.tryNumber)
    .execute();
}

/**
 * Records the process group of a try's child (process executor), or clears it (null) once the
 * child has exited. A group left recorded means its worker died while the child ran.
 */
export async function setTryProcessGroup(
  db: Kysely<Database>,
  t: QueuedTry,
  processGroup: number | null,
): Promise<void> {
  await db
    .updateTable('heatflow.task_tries')
    .set({ process_group: processGroup })
    .where('dag_id', '=', t.dagId)
    .where('run_id', '=', t.runId)
    .where('task_id', '=', t.taskId)
    .where('try_number', '=', t.tryNumber)
    .execute();
}

/** Tries on `hostname` whose process group is still recorded (running, or left by a dead worker). */
export async function listTriesWithProcessGroup(
  db: Kysely<Database>,
  hostname: string,
): Promise<(QueuedTry & { readonly processGroup: number })[]> {
  const rows = await db
    .selectFrom('heatflow.task_tries')
    .select(['dag_id', 'run_id', 'task_id', 'try_number', 'lease_token', 'process_group'])
    .where('hostname', '=', hostname)
    .where('process_group', 'is not', null)
    .execute();
  return rows.map((r) => ({
    dagId: r.dag_id,
    runId: r.run_id,
    taskId: r.task_id,
    tryNumber: r.try_number,
    leaseToken: r.lease_token,
    processGroup: r.process_group ?? 0,
  }));
}

/** Heartbeat of a running try. @returns false when the lease is lost (the try must be killed) */
export async function heartbeatTry(db: Kysely<Database>, t: QueuedTry, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('heatflow.task_instances')
    .set({ heartbeat_at: now })
    .where('dag_id', '=', t.dagId)
    .where('run_id', '=', t.runId)
    .where('task_id', '=', t.taskId)
    .where('state', '=', 'running')
    .where('lease_token', '=', t.leaseToken)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** The outcome of a try, as recorded. */
export interface TryOutcome {
  /** the task instance's new state */
  readonly tiState: 'success' | 'failed' | 'up_for_retry' | 'up_for_reschedule' | 'skipped';
  /** the try's own state (`up_for_reschedule`: the try asked to run again later) */
  readonly tryState: 'success' | 'failed' | 'up_for_reschedule' | 'skipped';
  readonly exitCode: number | null;
  readonly error?: string;
  /** when the next try may be queued (`up_for_retry`: the retry delay; `up_for_reschedule`: the reschedule date) */
  readonly nextRetryAt?: Date;
  readonly durationMs: number;
  /**
   * grant one more try so none is lost or spent: the try could not be attempted (infrastructure),
   * or it was rescheduled (a reschedule costs no retry)
   */
  readonly extraTry?: boolean;
  /**
   * The task declares outlets: with `tiState` `success`, record one asset event per outlet (from
   * `task_outlet_asset_refs`) and queue it for every DAG scheduled on the asset, in the same
   * statement as the success. Ignored for any other state. `@defaultValue false` (tasks without
   * outlets keep the plain statement).
   */
  readonly recordAssetEvents?: boolean;
}

/**
 * Records how a try ended, fenced by its lease token; only a `running` (or, for zombies and lost
 * jobs, `queued`) task instance with the same token is changed. A success of a task with outlets
 * (`recordAssetEvents`) also records its asset events and queues them for the consuming DAGs, in
 * the same statement and only when the success itself was written (a stale worker records nothing).
 * @returns false when the lease was lost (nothing written)
 */
export async function finishTry(
  db: Kysely<Database>,
  t: QueuedTry,
  outcome: TryOutcome,
  now: Date,
  fromStates: readonly TaskInstanceState[] = ['running'],
): Promise<boolean> {
  const assetEvents =
    outcome.recordAssetEvents === true && outcome.tiState === 'success'
      ? sql`, events AS (
      INSERT INTO heatflow.asset_events (asset_id, extra, source_dag_id, source_run_id, source_task_id,
        source_try_number, source_data_interval_start, source_data_interval_end, timestamp)
      SELECT o.asset_id, '{}'::jsonb, ${t.dagId}, ${t.runId}, ${t.taskId}, ${t.tryNumber}::int,
        r.data_interval_start, r.data_interval_end, ${now}
      FROM heatflow.task_outlet_asset_refs o
      JOIN heatflow.dag_runs r ON r.dag_id = o.dag_id AND r.run_id = ${t.runId}
      WHERE o.dag_id = ${t.dagId} AND o.task_id = ${t.taskId} AND EXISTS (SELECT 1 FROM ti)
      ORDER BY o.asset_id
      RETURNING id, asset_id
    ), queued AS (
      INSERT INTO heatflow.asset_dag_run_queue (target_dag_id, event_id, asset_id, created_at)
      SELECT s.dag_id, events.id, events.asset_id, ${now}
      FROM events JOIN heatflow.dag_schedule_asset_refs s ON s.asset_id = events.asset_id
    )`
      : sql``;
  // One statement (all rows or none), fenced by the lease token.
  const r = await sql<{ n: number }>`
    WITH ti AS (
      UPDATE heatflow.task_instances
      SET state = ${outcome.tiState}, end_date = ${now}, duration_ms = ${outcome.durationMs},
          next_retry_at = ${outcome.nextRetryAt ?? null}, state_reason = ${outcome.error ?? null},
          max_tries = max_tries + ${outcome.extraTry === true ? 1 : 0}::int, updated_at = ${now}
      WHERE dag_id = ${t.dagId} AND run_id = ${t.runId} AND task_id = ${t.taskId}
        AND state = ANY(${[...fromStates]}::text[]) AND lease_token = ${t.leaseToken}
      RETURNING 1
    ), try AS (
      UPDATE heatflow.task_tries
      SET state = ${outcome.tryState}, end_date = ${now}, duration_ms = ${outcome.durationMs},
          exit_code = ${outcome.exitCode}, error = ${outcome.error ?? null}
      WHERE dag_id = ${t.dagId} AND run_id = ${t.runId} AND task_id = ${t.taskId} AND try_number = ${t.tryNumber}
        AND EXISTS (SELECT 1 FROM ti)
    )${assetEvents}
    SELECT count(*)::int AS n FROM ti`.execute(db);
  return (r.rows[0]?.n ?? 0) > 0;
}

/**
 * Records a try's outcome as {@link finishTry} does, and runs `whileFenced` (the worker's XCom
 * push) first, in one transaction that holds the task instance's row lock under this lease:
 * nothing that moves the lease (a zombie pass, a clear, a mark) can run in between, so a stale
 * worker, whose lease is gone, pushes nothing (issue 14 item 8). When `whileFenced` throws, nothing
 * is recorded and the error is rethrown.
 * @returns false when the lease was lost (`whileFenced` not run, nothing written)
 */
export async function finishTryFenced(
  db: Kysely<Database>,
  t: QueuedTry,
  outcome: TryOutcome,
  now: Date,
  whileFenced: () => Promise<void>,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const live = await trx
      .selectFrom('heatflow.task_instances')
      .select('state')
      .where('dag_id', '=', t.dagId)
      .where('run_id', '=', t.runId)
      .where('task_id', '=', t.taskId)
      .where('state', '=', 'running')
      .where('lease_token', '=', t.leaseToken)
      .forUpdate()
      .executeTakeFirst();
    if (live === undefined) return false;
    await whileFenced();
    return finishTry(trx, t, outcome, now);
  });
}

/** Running tries whose heartbeat is older than `cutoff` (their worker is gone). */
export async function findZombies(db: Kysely<Database>, cutoff: Date): Promise<TaskInstanceRow[]> {
  return db
    .selectFrom('heatflow.task_instances')
    .selectAll()
    .where('state', '=', 'running')
    .where((eb) => eb.or([eb('heartbeat_at', '<', cutoff), eb('heartbeat_at', 'is', null)]))
    .execute();
}

/** Tries queued before `cutoff` (their job may be lost). */
export async function findStaleQueued(db: Kysely<Database>, cutoff: Date): Promise<TaskInstanceRow[]> {
  return db
    .selectFrom('heatflow.task_instances')
    .selectAll()
    .where('state', '=', 'queued')
    .where('queued_at', '<', cutoff)
    .execute();
}

/** Is this try still the live one, running under this lease? */
export async function isTryLive(db: Kysely<Database>, t: QueuedTry): Promise<boolean> {
  const row = await db
    .selectFrom('heatflow.task_instances')
    .select('state')
    .where('dag_id', '=', t.dagId)
    .where('run_id', '=', t.runId)
    .where('task_id', '=', t.taskId)
    .where('lease_token', '=', t.leaseToken)
    .where('state', 'in', ['queued', 'running'])
    .executeTakeFirst();
  return row !== undefined;
}

/** Tries of a task instance, oldest first. */
export async function listTries(db: Kysely<Database>, ref: TiRef): Promise<TaskTryRow[]> {
  return db
    .selectFrom('heatflow.task_tries')
    .selectAll()
    .where('dag_id', '=', ref.dagId)
    .where('run_id', '=', ref.runId)
    .where('task_id', '=', ref.taskId)
    .orderBy('try_number')
    .execute();
}

/**
 * Clears task instances so they run again (Airflow's "clear"): state `none`, `max_tries` extended
 * by the task's retries, lease revoked (a worker still running one loses its lease and kills it).
 */
export async function clearTis(
  trx: Kysely<Database>,
  dagId: string,
  runId: string,
  tasks: readonly { taskId: string; retries: number }[],
  now: Date,
): Promise<void> {
  for (const t of tasks) {
    await trx
      .updateTable('heatflow.task_instances')
      .set((eb) => ({
        state: 'none',
        max_tries: sql<number>`${eb.ref('try_number')} + ${t.retries}`,
        lease_token: null,
        next_retry_at: null,
        queued_at: null,
        start_date: null,
        end_date: null,
        duration_ms: null,
        worker_id: null,
        heartbeat_at: null,
        state_reason: 'cleared',
        updated_at: now,
      }))
      .where('dag_id', '=', dagId)
      .where('run_id', '=', runId)
      .where('task_id', '=', t.taskId)
      .execute();
  }
}
