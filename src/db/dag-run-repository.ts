/**
 * SQL for `heatflow.dag_runs`.
 */
import { sql, type Kysely } from 'kysely';
import type { DagRunState, RunType } from '../core/types.js';
import type { Database, DagRunRow } from './database.js';

/** A DAG run to create. */
export interface NewRun {
  readonly dagId: string;
  readonly runId: string;
  readonly runType: RunType;
  readonly logicalDate: Date;
  readonly dataIntervalStart: Date;
  readonly dataIntervalEnd: Date;
  readonly conf?: Readonly<Record<string, unknown>>;
  readonly backfillId?: string;
  readonly backfillSortOrdinal?: number;
}

/**
 * Inserts runs in state `queued`; a run whose `(dag_id, logical_date)` or `(dag_id, run_id)`
 * exists already is left alone (so two schedulers, or a schedule and a backfill, never duplicate).
 * @returns the runs actually inserted
 */
export async function insertQueuedRuns(
  db: Kysely<Database>,
  runs: readonly NewRun[],
  now: Date,
): Promise<DagRunRow[]> {
  if (runs.length === 0) return [];
  return db
    .insertInto('heatflow.dag_runs')
    .values(
      runs.map((r) => ({
        dag_id: r.dagId,
        run_id: r.runId,
        run_type: r.runType,
        logical_date: r.logicalDate,
        data_interval_start: r.dataIntervalStart,
        data_interval_end: r.dataIntervalEnd,
        state: 'queued',
        conf: JSON.stringify(r.conf ?? {}),
        backfill_id: r.backfillId ?? null,
        backfill_sort_ordinal: r.backfillSortOrdinal ?? null,
        queued_at: now,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .execute();
}

/** One run, or undefined. */
export async function getRun(
  db: Kysely<Database>,
  dagId: string,
  runId: string,
): Promise<DagRunRow | undefined> {
  return db
    .selectFrom('heatflow.dag_runs')
    .selectAll()
    .where('dag_id', '=', dagId)
    .where('run_id', '=', runId)
    .executeTakeFirst();
}

/** Locks a run's row for this transaction; undefined when it does not exist. */
export async function lockRun(
  trx: Kysely<Database>,
  dagId: string,
  runId: string,
): Promise<DagRunRow | undefined> {
  return trx
    .selectFrom('heatflow.dag_runs')
    .selectAll()
    .where('dag_id', '=', dagId)
    .where('run_id', '=', runId)
    .forUpdate()
    .executeTakeFirst();
}

/** Runs of the given DAG in a state, by logical date. */
export async function listRunsByState(
  db: Kysely<Database>,
  state: DagRunState,
  dagId?: string,
): Promise<DagRunRow[]> {
  return db
    .selectFrom('heatflow.dag_runs')
    .selectAll()
    .where('state', '=', state)
    .$if(dagId !== undefined, (q) => q.where('dag_id', '=', dagId as string))
    .orderBy('logical_date')
    .execute();
}

/** DAG ids that have queued runs. */
export async function dagIdsWithQueuedRuns(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('heatflow.dag_runs')
    .select('dag_id')
    .distinct()
    .where('state', '=', 'queued')
    .execute();
  return rows.map((r) => r.dag_id);
}

/** Running runs of a DAG, counted per backfill (`null`: scheduled and manual runs). */
export async function countRunningByBackfill(
  trx: Kysely<Database>,
  dagId: string,
): Promise<Map<string | null, number>> {
  const rows = await trx
    .selectFrom('heatflow.dag_runs')
    .select(['backfill_id', sql<number>`count(*)::int`.as('n')])
    .where('dag_id', '=', dagId)
    .where('state', '=', 'running')
    .groupBy('backfill_id')
    .execute();
  return new Map(rows.map((r) => [r.backfill_id, r.n]));
}

/** Queued runs of a DAG in start order (backfill order, then logical date). */
export async function listQueuedRuns(trx: Kysely<Database>, dagId: string): Promise<DagRunRow[]> {
  return trx
    .selectFrom('heatflow.dag_runs')
    .selectAll()
    .where('dag_id', '=', dagId)
    .where('state', '=', 'queued')
    .orderBy('backfill_sort_ordinal', 'asc')
    .orderBy('logical_date', 'asc')
    .execute();
}

/** Sets a run's state (and its start or end date). */
export async function setRunState(
  trx: Kysely<Database>,
  dagId: string,
  runId: string,
  state: DagRunState,
  now: Date,
  reason?: string,
): Promise<void> {
  await trx
    .updateTable('heatflow.dag_runs')
    .set({
      state,
      updated_at: now,
      ...(state === 'running' ? { start_date: now, end_date: null } : {}),
      ...(state === 'success' || state === 'failed' ? { end_date: now } : {}),
      ...(state === 'queued' ? { queued_at: now, start_date: null, end_date: null } : {}),
      state_reason: reason ?? null,
    })
    .where('dag_id', '=', dagId)
    .where('run_id', '=', runId)
    .execute();
}

/** Runs whose logical date is in `[from, to]`. */
export async function listRunsBetween(
  db: Kysely<Database>,
  dagId: string,
  from: Date,
  to: Date,
): Promise<DagRunRow[]> {
  return db
    .selectFrom('heatflow.dag_runs')
    .selectAll()
    .where('dag_id', '=', dagId)
    .where('logical_date', '>=', from)
    .where('logical_date', '<=', to)
    .orderBy('logical_date')
    .execute();
}

/** Which runs {@link countRunsByState} counts. */
export interface RunFilter {
  readonly dagId?: string;
  readonly backfillId?: string;
  /** logical date on or after */
  readonly from?: Date;
  /** logical date on or before */
  readonly to?: Date;
}

/** Count of runs by state, for a DAG, a backfill and/or a range of logical dates. */
export async function countRunsByState(
  db: Kysely<Database>,
  filter: RunFilter,
): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('heatflow.dag_runs')
    .select(['state', sql<number>`count(*)::int`.as('n')])
    .$if(filter.dagId !== undefined, (q) => q.where('dag_id', '=', filter.dagId as string))
    .$if(filter.backfillId !== undefined, (q) => q.where('backfill_id', '=', filter.backfillId as string))
    .$if(filter.from !== undefined, (q) => q.where('logical_date', '>=', filter.from as Date))
    .$if(filter.to !== undefined, (q) => q.where('logical_date', '<=', filter.to as Date))
    .groupBy('state')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/**
 * Task instances waiting for their next try (`up_for_retry`) in the runs a filter matches, so a
 * progress line can say why runs are not finishing.
 */
export async function countTisUpForRetry(db: Kysely<Database>, filter: RunFilter): Promise<number> {
  const r = await db
    .selectFrom('heatflow.task_instances as ti')
    .innerJoin('heatflow.dag_runs as r', (j) =>
      j.onRef('r.dag_id', '=', 'ti.dag_id').onRef('r.run_id', '=', 'ti.run_id'),
    )
    .select(sql<number>`count(*)::int`.as('n'))
    .where('ti.state', '=', 'up_for_retry')
    .$if(filter.dagId !== undefined, (q) => q.where('r.dag_id', '=', filter.dagId as string))
    .$if(filter.backfillId !== undefined, (q) => q.where('r.backfill_id', '=', filter.backfillId as string))
    .$if(filter.from !== undefined, (q) => q.where('r.logical_date', '>=', filter.from as Date))
    .$if(filter.to !== undefined, (q) => q.where('r.logical_date', '<=', filter.to as Date))
    .executeTakeFirstOrThrow();
  return r.n;
}

/** Latest automated (scheduled or backfill) logical date of a DAG, if any. */
export async function latestRun(db: Kysely<Database>, dagId: string): Promise<DagRunRow | undefined> {
  return db
    .selectFrom('heatflow.dag_runs')
    .selectAll()
    .where('dag_id', '=', dagId)
    .orderBy('logical_date', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * The logical dates (epoch ms) of a DAG's runs after `after` (all of them when `null`), of every
 * run type: the schedule steps over them (`src/core/schedule-ahead.ts`).
 */
export async function runLogicalDatesAfter(
  db: Kysely<Database>,
  dagId: string,
  after: Date | null,
): Promise<Set<number>> {
  const rows = await db
    .selectFrom('heatflow.dag_runs')
    .select('logical_date')
    .where('dag_id', '=', dagId)
    .$if(after !== null, (q) => q.where('logical_date', '>', after as Date))
    .execute();
  return new Set(rows.map((r) => r.logical_date.getTime()));
}

/**
 * A DAG's active runs (queued or running) that count against its `max_active_runs`: scheduled,
 * manual and asset-triggered runs, and runs of backfills that are no longer running (a running
 * backfill's runs count against its own limit), as `Scheduler.startQueuedRuns` counts them.
 */
export async function countActiveDagRuns(db: Kysely<Database>, dagId: string): Promise<number> {
  const r = await db
    .selectFrom('heatflow.dag_runs as r')
    .leftJoin('heatflow.backfills as b', 'b.id', 'r.backfill_id')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('r.dag_id', '=', dagId)
    .where('r.state', 'in', ['queued', 'running'])
    .where((eb) => eb.or([eb('r.backfill_id', 'is', null), eb('b.state', '!=', 'running')]))
    .executeTakeFirstOrThrow();
  return r.n;
}

/** The run of a DAG with this logical date (at most one: `(dag_id, logical_date)` is unique). */
export async function getRunByLogicalDate(
  db: Kysely<Database>,
  dagId: string,
  logicalDate: Date,
): Promise<DagRunRow | undefined> {
  return db
    .selectFrom('heatflow.dag_runs')
    .selectAll()
    .where('dag_id', '=', dagId)
    .where('logical_date', '=', logicalDate)
    .executeTakeFirst();
}

/** The queued and running runs a filter matches (for saying why they are not moving). */
export async function listOpenRuns(db: Kysely<Database>, filter: RunFilter): Promise<DagRunRow[]> {
  return db
    .selectFrom('heatflow.dag_runs')
    .selectAll()
    .where('state', 'in', ['queued', 'running'])
    .$if(filter.dagId !== undefined, (q) => q.where('dag_id', '=', filter.dagId as string))
    .$if(filter.backfillId !== undefined, (q) => q.where('backfill_id', '=', filter.backfillId as string))
    .$if(filter.from !== undefined, (q) => q.where('logical_date', '>=', filter.from as Date))
    .$if(filter.to !== undefined, (q) => q.where('logical_date', '<=', filter.to as Date))
    .orderBy('logical_date')
    .execute();
}
