/**
 * Operations on DAG runs and task instances that the CLI and the web server share: trigger a run,
 * create a backfill, clear task instances, mark states. Each writes Postgres and then publishes a
 * scheduling event so schedulers act at once.
 */
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { HeatflowError, NotFoundError } from '../core/errors.js';
import { assetScheduleLabel } from '../core/asset.js';
import { assertId } from '../core/ids.js';
import { validateRunConf } from '../core/run-conf.js';
import { makeRunId } from '../core/run-id.js';
import { dagRunInfosBetween, inferManualDataInterval } from '../core/timetable.js';
import type { Dag, DagRunInfo, DataInterval, TaskInstanceState } from '../core/types.js';
import { insertBackfill, type ReprocessBehavior } from '../db/backfill-repository.js';
import type { BackfillRow, Database, DagRunRow } from '../db/database.js';
import { insertQueuedRuns, listRunsBetween, lockRun, setRunState } from '../db/dag-run-repository.js';
import { clearTis, listRunTis } from '../db/task-instance-repository.js';
import { publishEvent } from '../queue/events.js';
import type { XComStore } from '../xcom/xcom-store.js';

/** 10000-01-01T00:00:00Z: the first instant ISO 8601 text with a four-digit year cannot give. */
const LAST_ISO_INSTANT_MS = Date.UTC(10000, 0, 1);
/** What the operations need. */
export interface ServiceDeps {
  readonly db: Kysely<Database>;
  /** Redis connection used to publish events (optional: without it schedulers notice on their next pass) */
  readonly redis?: Redis;
  readonly prefix: string;
  readonly xcom?: XComStore;
  readonly clock?: () => Date;
}

const now = (d: ServiceDeps) => (d.clock ?? (() => new Date()))();
const DAY_MS = 86_400_000;

async function wake(
  d: ServiceDeps,
  dagId: string,
  kind: 'run_created' | 'cleared',
  runId?: string,
): Promise<void> {
  if (d.redis === undefined) return;
  await publishEvent(d.redis, d.prefix, { kind, dagId, ...(runId === undefined ? {} : { runId }) });
}

/** Options of {@link triggerDagRun}. */
export interface TriggerOptions {
  /** `@defaultValue` now */
  readonly logicalDate?: Date;
  /**
   * the run's data interval; `@defaultValue` Airflow 2's manual interval of the logical date
   * ({@link inferManualDataInterval})
   */
  readonly dataInterval?: DataInterval;
  /** checked against the DAG's `paramsSchema` first; `@defaultValue {}` */
  readonly conf?: Record<string, unknown>;
  /** `@defaultValue` `manual__<logical date>` */
  readonly runId?: string;
}

/**
 * Creates a manual DAG run (`manual__<logical date>`, or the given run id), queued.
 * @throws RunConfError when the conf is not acceptable for the DAG (nothing is created)
 * @throws InvalidIdError when `options.runId` is not a safe run id (`core/ids.ts`)
 * @throws HeatflowError `RUN_EXISTS` when the DAG has a run at that logical date
 */
export async function triggerDagRun(
  d: ServiceDeps,
  dag: Dag,
  options: TriggerOptions = {},
): Promise<DagRunRow> {
  const conf = validateRunConf(dag, options.conf ?? {});
  const logicalDate = options.logicalDate ?? now(d);
  const info =
    options.dataInterval === undefined
      ? inferManualDataInterval(dag, logicalDate)
      : { logicalDate, dataInterval: options.dataInterval };
  // tasks get the interval as ISO 8601 text, which has four-digit years only
  if (info.dataInterval.end.getTime() >= LAST_ISO_INSTANT_MS)
    throw new HeatflowError(
      'INVALID_DATE',
      `logical date ${logicalDate.toISOString()}: its data interval ends after 9999-12-31, which tasks cannot be given (ISO 8601 four-digit years)`,
    );
  // a run id names folders of the log and data roots: refuse unsafe ones at the door
  const runId =
    options.runId === undefined ? makeRunId('manual', logicalDate) : assertId('run_id', options.runId);
  const [row] = await insertQueuedRuns(
    d.db,
    [
      {
        dagId: dag.dagId,
        runId,
        runType: 'manual',
        logicalDate,
        dataIntervalStart: info.dataInterval.start,
        dataIntervalEnd: info.dataInterval.end,
        conf,
      },
    ],
    now(d),
  );
  if (row === undefined) {
    const [same] = await listRunsBetween(d.db, dag.dagId, logicalDate, logicalDate);
    const which =
      same === undefined
        ? `run id ${runId}`
        : `logical date ${logicalDate.toISOString()}: ${same.run_id} (${same.state})`;
    throw new HeatflowError(
      'RUN_EXISTS',
      `DAG "${dag.dagId}" already has a run with ${which}; \`heatflow tasks clear\` runs an existing run again`,
    );
  }
  await wake(d, dag.dagId, 'run_created', runId);
  return row;
}

/** Options of {@link createBackfill}. */
export interface BackfillOptions {
  readonly from: Date;
  readonly to: Date;
  /** `@defaultValue 'none'` */
  readonly reprocess?: ReprocessBehavior;
  /** start the newest date first; `@defaultValue false` */
  readonly runBackwards?: boolean;
  /** runs of this backfill active at once; `@defaultValue` the DAG's `max_active_runs` */
  readonly maxActiveRuns?: number;
  /** only report what would be done; `@defaultValue false` */
  readonly dryRun?: boolean;
  readonly conf?: Record<string, unknown>;
}

/** What a backfill does with one logical date. */
export interface BackfillPlanItem {
  readonly logicalDate: Date;
  readonly runId: string;
  /** `create` a new run, `reprocess` an existing one, or `skip` it (exists, not to reprocess) */
  readonly action: 'create' | 'reprocess' | 'skip';
  /** state of the existing run, if any */
  readonly existingState?: string;
}

/** The result of {@link createBackfill}. */
export interface BackfillResult {
  /** undefined for a dry run */
  readonly backfill?: BackfillRow;
  readonly plan: readonly BackfillPlanItem[];
}

/**
 * Creates a backfill: a record of its own (range, reprocess behaviour, order, max active runs) and
 * its DAG runs (`backfill__<date>`), queued, which the scheduler starts within the backfill's own
 * `max_active_runs`. Shares only the unique `(dag_id, logical_date)` with scheduled runs; never
 * moves the schedule's cursor (Airflow #47886, #50522).
 * @throws RunConfError when the conf is not acceptable for the DAG (nothing is created)
 * @throws HeatflowError `BACKFILL_ASSET_SCHEDULED` for a DAG scheduled on assets (it has no
 *   logical dates to backfill), `BACKFILL_EMPTY` when the range holds no logical date of the schedule
 */
export async function createBackfill(d: ServiceDeps, dag: Dag, o: BackfillOptions): Promise<BackfillResult> {
  const conf = validateRunConf(dag, o.conf ?? {});
  if (dag.scheduleAssets.length > 0) {
    throw new HeatflowError(
      'BACKFILL_ASSET_SCHEDULED',
      `DAG "${dag.dagId}" is scheduled ${assetScheduleLabel(dag.scheduleAssets)}, not on a clock: it has no logical dates to backfill (its runs follow the producers' asset events; backfill the producer, or trigger a run: ${backfillHint(dag)})`,
    );
  }
  if (o.to.getTime() < o.from.getTime()) {
    throw new HeatflowError(
      'BACKFILL_RANGE',
      `backfill end ${o.to.toISOString()} is before its start ${o.from.toISOString()}`,
    );
  }
  // A backfill covers data intervals that are over (Airflow 3 refuses future dates too); an end
  // date typed as 9999-12-31 would otherwise enumerate millions of logical dates before answering.
  const today = now(d);
  if (o.to.getTime() > today.getTime() + DAY_MS) {
    throw new HeatflowError(
      'BACKFILL_RANGE',
      `backfill end ${o.to.toISOString()} is in the future (now ${today.toISOString()}): a backfill covers data intervals that are over; give an end date up to today`,
    );
  }
  const infos: DagRunInfo[] = dagRunInfosBetween(dag, o.from, o.to);
  if (infos.length === 0) {
    const before =
      o.to.getTime() < dag.startDate.getTime()
        ? `; the DAG starts on ${dag.startDate.toISOString()} (its start date)`
        : dag.endDate !== undefined && o.from.getTime() > dag.endDate.getTime()
          ? `; the DAG ends on ${dag.endDate.toISOString()} (its end date)`
          : '';
    throw new HeatflowError(
      'BACKFILL_EMPTY',
      `no logical date of DAG "${dag.dagId}" (schedule ${dag.schedule ?? 'none: manual runs only'}) between ${o.from.toISOString()} and ${o.to.toISOString()}${before}`,
    );
  }
  if (o.runBackwards === true) infos.reverse();
  const reprocess = o.reprocess ?? 'none';
  const existing = new Map(
    (
      await listRunsBetween(
        d.db,
        dag.dagId,
        new Date(Math.min(...infos.map((i) => i.logicalDate.getTime()))),
        new Date(Math.max(...infos.map((i) => i.logicalDate.getTime()))),
      )
    ).map((r) => [r.logical_date.getTime(), r]),
  );
  const plan: BackfillPlanItem[] = infos.map((info) => {
    const ex = existing.get(info.logicalDate.getTime());
    if (ex === undefined)
      return {
        logicalDate: info.logicalDate,
        runId: makeRunId('backfill', info.logicalDate),
        action: 'create',
      };
    const redo =
      (reprocess === 'failed' && ex.state === 'failed') ||
      (reprocess === 'completed' && (ex.state === 'failed' || ex.state === 'success'));
    return {
      logicalDate: info.logicalDate,
      runId: ex.run_id,
      action: redo ? 'reprocess' : 'skip',
      existingState: ex.state,
    };
  });
  if (o.dryRun === true) return { plan };

  const backfill = await d.db.transaction().execute(async (trx) => {
    const b = await insertBackfill(trx, {
      dagId: dag.dagId,
      fromDate: o.from,
      toDate: o.to,
      reprocessBehavior: reprocess,
      runBackwards: o.runBackwards ?? false,
      maxActiveRuns: o.maxActiveRuns ?? dag.maxActiveRuns,
      conf,
    });
    const t = now(d);
    const creates = infos
      .map((info, ordinal) => ({ info, ordinal, item: plan[ordinal] }))
      .filter((x) => x.item?.action === 'create')
      .map(({ info, ordinal }) => ({
        dagId: dag.dagId,
        runId: makeRunId('backfill', info.logicalDate),
        runType: 'backfill' as const,
        logicalDate: info.logicalDate,
        dataIntervalStart: info.dataInterval.start,
        dataIntervalEnd: info.dataInterval.end,
        conf,
        backfillId: b.id,
        backfillSortOrdinal: ordinal,
      }));
    for (let i = 0; i < creates.length; i += 500) await insertQueuedRuns(trx, creates.slice(i, i + 500), t);
    for (const [ordinal, item] of plan.entries()) {
      if (item.action !== 'reprocess') continue;
      const run = await lockRun(trx, dag.dagId, item.runId);
      if (run === undefined || (run.state !== 'success' && run.state !== 'failed')) continue;
      const tis = await listRunTis(trx, dag.dagId, item.runId);
      const redo = tis.filter(
        (ti) => reprocess === 'completed' || ['failed', 'upstream_failed'].includes(ti.state),
      );
      await clearTis(
        trx,
        dag.dagId,
        item.runId,
        redo.map((ti) => ({ taskId: ti.task_id, retries: dag.tasks.get(ti.task_id)?.retries ?? 0 })),
        t,
      );
      // The XComs of the tries being redone go while the run is locked and not yet queued: once
      // this commits the scheduler may start it at once, and a clear after the commit could delete
      // the value a fresh try has just pushed. Those of the tasks not redone stay (their
      // downstream reads them).
      await clearXComs(
        d,
        dag.dagId,
        item.runId,
        redo.map((ti) => ti.task_id),
      );
      await trx
        .updateTable('heatflow.dag_runs')
        .set({ backfill_id: b.id, backfill_sort_ordinal: ordinal })
        .where('dag_id', '=', dag.dagId)
        .where('run_id', '=', item.runId)
        .execute();
      await setRunState(trx, dag.dagId, item.runId, 'queued', t);
    }
    return b;
  });
  await wake(d, dag.dagId, 'run_created');
  return { backfill, plan };
}

/** How to run an asset-scheduled DAG by hand (with the conf keys its schema declares), for the error of a backfill of it. */
function backfillHint(dag: Dag): string {
  const shape = (dag.paramsSchema as { shape?: unknown } | undefined)?.shape;
  const keys = typeof shape === 'object' && shape !== null ? Object.keys(shape) : [];
  const conf = keys.length === 0 ? '' : ` --conf '{${keys.map((k) => `"${k}":…`).join(',')}}'`;
  return `\`heatflow dags trigger ${dag.dagId}${conf}\``;
}

/**
 * Deletes the XComs of `taskIds` in a run (their tries are being redone). Called inside the
 * transaction that makes the tasks runnable again, before it commits.
 */
async function clearXComs(
  d: ServiceDeps,
  dagId: string,
  runId: string,
  taskIds: readonly string[],
): Promise<void> {
  if (d.xcom === undefined) return;
  for (const taskId of taskIds) await d.xcom.clear({ dagId, runId, taskId });
}

/** Options of {@link clearTaskInstances}. */
export interface ClearOptions {
  /** runs with logical date ≥ this */
  readonly start?: Date;
  /** runs with logical date ≤ this */
  readonly end?: Date;
  /** only these runs */
  readonly runIds?: readonly string[];
  /** task ids matching this regular expression */
  readonly taskRegex?: RegExp;
  /** explicit task ids */
  readonly taskIds?: readonly string[];
  /** only failed and upstream_failed task instances */
  readonly onlyFailed?: boolean;
  /** also clear the downstream tasks of the matched ones */
  readonly downstream?: boolean;
  readonly dryRun?: boolean;
}

/** One task instance cleared. */
export interface ClearedTi {
  readonly runId: string;
  readonly taskId: string;
  readonly previousState: string;
}

/**
 * Clears task instances so they run again, as Airflow's `tasks clear`: their state goes to `none`,
 * they get the task's retries again, their XComs are deleted, and a finished run goes back to
 * `queued`. Loads downstream are idempotent, so a re-run stores the same rows.
 */
export async function clearTaskInstances(d: ServiceDeps, dag: Dag, o: ClearOptions): Promise<ClearedTi[]> {
  let runs = await listRunsBetween(d.db, dag.dagId, o.start ?? new Date(0), o.end ?? new Date(8.64e15));
  if (o.runIds !== undefined) runs = runs.filter((r) => o.runIds?.includes(r.run_id));
  let tasks = dag.taskIds.filter(
    (id) => (o.taskRegex?.test(id) ?? true) && (o.taskIds?.includes(id) ?? true),
  );
  if (o.downstream === true) {
    const all = new Set(tasks);
    const stack = [...tasks];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      for (const down of dag.tasks.get(id)?.downstream ?? []) {
        if (all.has(down)) continue;
        all.add(down);
        stack.push(down);
      }
    }
    tasks = dag.taskIds.filter((id) => all.has(id));
  }
  const cleared: ClearedTi[] = [];
  const t = now(d);
  for (const run of runs) {
    await d.db.transaction().execute(async (trx) => {
      const locked = await lockRun(trx, dag.dagId, run.run_id);
      if (locked === undefined) return;
      const tis = (await listRunTis(trx, dag.dagId, run.run_id)).filter(
        (ti) =>
          tasks.includes(ti.task_id) &&
          (o.onlyFailed !== true || ['failed', 'upstream_failed'].includes(ti.state)) &&
          ti.state !== 'none',
      );
      if (tis.length === 0) return;
      cleared.push(...tis.map((ti) => ({ runId: run.run_id, taskId: ti.task_id, previousState: ti.state })));
      if (o.dryRun === true) return;
      await clearTis(
        trx,
        dag.dagId,
        run.run_id,
        tis.map((ti) => ({ taskId: ti.task_id, retries: dag.tasks.get(ti.task_id)?.retries ?? 0 })),
        t,
      );
      // before the commit makes the tasks runnable (see createBackfill)
      await clearXComs(
        d,
        dag.dagId,
        run.run_id,
        tis.map((ti) => ti.task_id),
      );
      if (locked.state === 'success' || locked.state === 'failed')
        await setRunState(trx, dag.dagId, run.run_id, 'queued', t);
    });
  }
  if (o.dryRun !== true) await wake(d, dag.dagId, 'cleared');
  return cleared;
}

/**
 * Sets a task instance's state by hand (Airflow's "mark success/failed"); a running try loses its
 * lease and is killed by its worker.
 * @throws NotFoundError when the task instance does not exist
 */
export async function markTaskInstance(
  d: ServiceDeps,
  ref: { dagId: string; runId: string; taskId: string },
  state: Extract<TaskInstanceState, 'success' | 'failed' | 'skipped'>,
): Promise<void> {
  const t = now(d);
  // Under the run's lock, as the scheduler evaluates a run: otherwise a scheduler pass that read
  // the task instances before this change could close the run after it (and a closed run is not
  // evaluated again), e.g. success although a leaf has just been marked failed.
  await d.db.transaction().execute(async (trx) => {
    const run = await lockRun(trx, ref.dagId, ref.runId);
    const r = await trx
      .updateTable('heatflow.task_instances')
      .set({ state, lease_token: null, end_date: t, state_reason: `marked ${state} by hand`, updated_at: t })
      .where('dag_id', '=', ref.dagId)
      .where('run_id', '=', ref.runId)
      .where('task_id', '=', ref.taskId)
      .executeTakeFirst();
    if (run === undefined || r.numUpdatedRows === 0n)
      throw new NotFoundError(`task instance ${ref.dagId}.${ref.taskId} of run ${ref.runId} not found`);
    if (run.state === 'success' || run.state === 'failed')
      await setRunState(trx, ref.dagId, ref.runId, 'running', t);
  });
  if (d.redis !== undefined)
    await publishEvent(d.redis, d.prefix, {
      kind: 'ti_finished',
      dagId: ref.dagId,
      runId: ref.runId,
      taskId: ref.taskId,
    });
}
