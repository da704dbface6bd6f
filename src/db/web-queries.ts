/**
 * Read-only SQL behind the web pages and the REST API. Every value that comes from a request is a
 * kysely parameter; sort columns come from a fixed whitelist ({@link RUN_ORDER_COLUMNS}), never
 * from request text.
 */
import { sql, type Kysely } from 'kysely';
import { pendingAssetEventCounts } from './asset-queries.js';
import type { BackfillRow, Database, DagRow, DagRunRow, TaskInstanceRow, TaskTryRow } from './database.js';

/** One DAG with what the DAG list shows beside it. */
export interface DagSummary {
  readonly dag: DagRow;
  /** runs of the DAG by state */
  readonly runCounts: Readonly<Record<string, number>>;
  /** the run with the latest logical date, if any */
  readonly lastRun?: Pick<DagRunRow, 'run_id' | 'state' | 'logical_date' | 'start_date' | 'end_date'>;
  /** asset events waiting for the DAG's next asset-triggered run (0 unless asset-scheduled) */
  readonly pendingAssetEvents: number;
}

/**
 * The DAG list: every DAG, its run counts by state, its latest run and, for asset-scheduled DAGs,
 * its pending asset events (3 or 4 queries, no N+1).
 */
export async function listDagSummaries(
  db: Kysely<Database>,
  filter: { dagIds?: readonly string[]; onlyActive?: boolean; paused?: boolean } = {},
): Promise<DagSummary[]> {
  const dags = await db
    .selectFrom('heatflow.dags')
    .selectAll()
    .$if(filter.dagIds !== undefined, (q) =>
      q.where('dag_id', 'in', filter.dagIds?.length ? [...filter.dagIds] : ['']),
    )
    .$if(filter.onlyActive === true, (q) => q.where('is_active', '=', true))
    .$if(filter.paused !== undefined, (q) => q.where('is_paused', '=', filter.paused === true))
    .orderBy('is_active', 'desc')
    .orderBy('dag_id')
    .execute();
  if (dags.length === 0) return [];
  const ids = dags.map((d) => d.dag_id);
  // One grouped query: runs per (DAG, state), and in each group its latest run; the DAG's last run
  // is the latest of its groups' latest.
  const groups = await db
    .selectFrom('heatflow.dag_runs')
    .select([
      'dag_id',
      'state',
      sql<number>`count(*)::int`.as('n'),
      sql<Date>`max(logical_date)`.as('last_logical_date'),
      sql<string>`(array_agg(run_id order by logical_date desc))[1]`.as('last_run_id'),
      sql<Date | null>`(array_agg(start_date order by logical_date desc))[1]`.as('last_start_date'),
      sql<Date | null>`(array_agg(end_date order by logical_date desc))[1]`.as('last_end_date'),
    ])
    .where('dag_id', 'in', ids)
    .groupBy(['dag_id', 'state'])
    .execute();
  const countsBy = new Map<string, Record<string, number>>();
  const lastBy = new Map<string, NonNullable<DagSummary['lastRun']>>();
  for (const g of groups) {
    const m = countsBy.get(g.dag_id) ?? {};
    m[g.state] = g.n;
    countsBy.set(g.dag_id, m);
    const prev = lastBy.get(g.dag_id);
    if (prev === undefined || g.last_logical_date > prev.logical_date) {
      lastBy.set(g.dag_id, {
        run_id: g.last_run_id,
        state: g.state,
        logical_date: g.last_logical_date,
        start_date: g.last_start_date,
        end_date: g.last_end_date,
      });
    }
  }
  const assetDags = dags.filter((d) => d.schedule_assets.length > 0).map((d) => d.dag_id);
  const pending = await pendingAssetEventCounts(db, assetDags);
  return dags.map((dag) => {
    const lastRun = lastBy.get(dag.dag_id);
    return {
      dag,
      runCounts: countsBy.get(dag.dag_id) ?? {},
      ...(lastRun === undefined ? {} : { lastRun }),
      pendingAssetEvents: pending.get(dag.dag_id) ?? 0,
    };
  });
}

/** Sortable columns of DAG runs (Airflow's `order_by` names → column). */
export const RUN_ORDER_COLUMNS = {
  id: 'id',
  logical_date: 'logical_date',
  execution_date: 'logical_date',
  start_date: 'start_date',
  end_date: 'end_date',
  updated_at: 'updated_at',
  state: 'state',
  run_id: 'run_id',
} as const;

/** A filter on DAG runs (all bounds inclusive). */
export interface RunFilter {
  /** one DAG, or every DAG when undefined (Airflow's `~`) */
  readonly dagId?: string;
  /** only these DAGs (`POST /dags/~/dagRuns/list`'s `dag_ids`); an empty list matches none */
  readonly dagIds?: readonly string[];
  readonly logicalDateGte?: Date;
  readonly logicalDateLte?: Date;
  readonly startDateGte?: Date;
  readonly startDateLte?: Date;
  readonly endDateGte?: Date;
  readonly endDateLte?: Date;
  readonly updatedAtGte?: Date;
  readonly updatedAtLte?: Date;
  readonly states?: readonly string[];
  readonly runTypes?: readonly string[];
  readonly backfillId?: string;
}

/** ISO 8601 UTC text of a timestamp column, as `Date.prototype.toISOString` writes it. */
const isoUtc = (column: string) =>
  sql<string | null>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Airflow's `DAGRun` object, built by Postgres (`json_build_object`): the API sends it as it is,
 * so a page of 100 runs costs Node.js no row parsing, no date handling and no serialisation.
 * This is the one definition of the shape; the list, the get and the trigger responses all use it.
 */
const dagRunObject = sql<unknown>`json_build_object(
  'dag_run_id', run_id,
  'dag_id', dag_id,
  'logical_date', ${isoUtc('logical_date')},
  'execution_date', ${isoUtc('logical_date')},
  'start_date', ${isoUtc('start_date')},
  'end_date', ${isoUtc('end_date')},
  'data_interval_start', ${isoUtc('data_interval_start')},
  'data_interval_end', ${isoUtc('data_interval_end')},
  'last_scheduling_decision', ${isoUtc('updated_at')},
  'queued_at', ${isoUtc('queued_at')},
  'run_type', run_type,
  'state', state,
  'external_trigger', run_type = 'manual',
  'conf', conf,
  'note', state_reason,
  'backfill_id', backfill_id
)`;

/** One page of DAG runs as a JSON array (text) of Airflow `DAGRun` objects, and the number matching. */
export interface RunPageJson {
  /** `[{"dag_run_id": …}, …]` */
  readonly json: string;
  readonly totalEntries: number;
}

/** Runs matching a filter, one page at a time, as the API's JSON. */
export async function listRunPageJson(
  db: Kysely<Database>,
  filter: RunFilter,
  page: { limit: number; offset: number; orderBy: keyof typeof RUN_ORDER_COLUMNS; descending: boolean },
): Promise<RunPageJson> {
  const column = RUN_ORDER_COLUMNS[page.orderBy];
  let q = db.selectFrom('heatflow.dag_runs');
  if (filter.dagId !== undefined) q = q.where('dag_id', '=', filter.dagId);
  if (filter.dagIds !== undefined)
    q = q.where('dag_id', 'in', filter.dagIds.length > 0 ? [...filter.dagIds] : ['']);
  if (filter.logicalDateGte !== undefined) q = q.where('logical_date', '>=', filter.logicalDateGte);
  if (filter.logicalDateLte !== undefined) q = q.where('logical_date', '<=', filter.logicalDateLte);
  if (filter.startDateGte !== undefined) q = q.where('start_date', '>=', filter.startDateGte);
  if (filter.startDateLte !== undefined) q = q.where('start_date', '<=', filter.startDateLte);
  if (filter.endDateGte !== undefined) q = q.where('end_date', '>=', filter.endDateGte);
  if (filter.endDateLte !== undefined) q = q.where('end_date', '<=', filter.endDateLte);
  if (filter.updatedAtGte !== undefined) q = q.where('updated_at', '>=', filter.updatedAtGte);
  if (filter.updatedAtLte !== undefined) q = q.where('updated_at', '<=', filter.updatedAtLte);
  if (filter.states !== undefined && filter.states.length > 0) q = q.where('state', 'in', [...filter.states]);
  if (filter.runTypes !== undefined && filter.runTypes.length > 0)
    q = q.where('run_type', 'in', [...filter.runTypes]);
  if (filter.backfillId !== undefined) q = q.where('backfill_id', '=', filter.backfillId);
  const direction = page.descending ? 'desc' : 'asc';
  const pageRows = q
    .select([
      dagRunObject.as('j'),
      sql<number>`row_number() over (order by ${sql.ref(column)} ${sql.raw(page.descending ? 'desc nulls last' : 'asc nulls first')}, id ${sql.raw(direction)})`.as(
        'ord',
      ),
      sql<number>`count(*) over ()`.as('total'),
    ])
    .orderBy('ord')
    .limit(page.limit)
    .offset(page.offset)
    .as('p');
  const r = await db
    .selectFrom(pageRows)
    .select([
      sql<string>`coalesce(json_agg(p.j order by p.ord), '[]')::text`.as('json'),
      sql<number | null>`max(p.total)::int`.as('total'),
    ])
    .executeTakeFirstOrThrow();
  let total = r.total;
  if (total === null) {
    const c = await q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    total = c.n;
  }
  return { json: r.json, totalEntries: total };
}

/** One run as the API's `DAGRun` JSON (text), or undefined. */
export async function getRunJson(
  db: Kysely<Database>,
  dagId: string,
  runId: string,
): Promise<string | undefined> {
  const r = await db
    .selectFrom('heatflow.dag_runs')
    .select(sql<string>`${dagRunObject}::text`.as('json'))
    .where('dag_id', '=', dagId)
    .where('run_id', '=', runId)
    .executeTakeFirst();
  return r?.json;
}

/** A task instance with its current try's host and exit code (for the API's `hostname`). */
export interface TiWithTry extends TaskInstanceRow {
  readonly hostname: string | null;
  readonly exit_code: number | null;
  readonly logical_date: Date;
}

/**
 * Task instances of some runs of one DAG (the grid's cells, the API's list), by logical date then
 * task. Three index-prefix lookups merged here rather than one join: a join's plan goes bad while
 * the planner has no statistics yet (right after a backfill wrote the rows), these cannot.
 */
export async function listTisOfRuns(
  db: Kysely<Database>,
  dagId: string,
  runIds: readonly string[],
  filter: { taskIds?: readonly string[]; states?: readonly string[] } = {},
): Promise<TiWithTry[]> {
  if (runIds.length === 0) return [];
  const ids = [...runIds];
  const [tis, runs, tries] = await Promise.all([
    db
      .selectFrom('heatflow.task_instances')
      .selectAll()
      .where('dag_id', '=', dagId)
      .where('run_id', 'in', ids)
      .$if(filter.taskIds !== undefined && filter.taskIds.length > 0, (q) =>
        q.where('task_id', 'in', [...(filter.taskIds ?? [])]),
      )
      .$if(filter.states !== undefined && filter.states.length > 0, (q) =>
        q.where('state', 'in', [...(filter.states ?? [])]),
      )
      .execute(),
    db
      .selectFrom('heatflow.dag_runs')
      .select(['run_id', 'logical_date'])
      .where('dag_id', '=', dagId)
      .where('run_id', 'in', ids)
      .execute(),
    db
      .selectFrom('heatflow.task_tries')
      .select(['run_id', 'task_id', 'try_number', 'hostname', 'exit_code'])
      .where('dag_id', '=', dagId)
      .where('run_id', 'in', ids)
      .$if(filter.taskIds !== undefined && filter.taskIds.length > 0, (q) =>
        q.where('task_id', 'in', [...(filter.taskIds ?? [])]),
      )
      .execute(),
  ]);
  const logicalDate = new Map(runs.map((r) => [r.run_id, r.logical_date]));
  const tryOf = new Map(tries.map((t) => [`${t.run_id}\u0000${t.task_id}\u0000${t.try_number}`, t]));
  return tis
    .flatMap((ti) => {
      const ld = logicalDate.get(ti.run_id);
      if (ld === undefined) return [];
      const t = tryOf.get(`${ti.run_id}\u0000${ti.task_id}\u0000${ti.try_number}`);
      return [{ ...ti, hostname: t?.hostname ?? null, exit_code: t?.exit_code ?? null, logical_date: ld }];
    })
    .sort(
      (a, b) =>
        a.logical_date.getTime() - b.logical_date.getTime() ||
        (a.task_id < b.task_id ? -1 : a.task_id > b.task_id ? 1 : 0),
    );
}

/** A column of the grid. */
export type GridRun = Pick<DagRunRow, 'run_id' | 'state' | 'logical_date'>;

/** The grid's columns: a page of a DAG's runs, newest logical date first, and the number of runs. */
export async function listGridRuns(
  db: Kysely<Database>,
  dagId: string,
  page: { limit: number; offset: number },
): Promise<{ runs: GridRun[]; totalEntries: number }> {
  const rows = await db
    .selectFrom('heatflow.dag_runs')
    .select(['run_id', 'state', 'logical_date', sql<number>`count(*) over ()::int`.as('total_entries')])
    .where('dag_id', '=', dagId)
    .orderBy('logical_date', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  let total = rows[0]?.total_entries;
  if (total === undefined) {
    const c = await db
      .selectFrom('heatflow.dag_runs')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('dag_id', '=', dagId)
      .executeTakeFirstOrThrow();
    total = c.n;
  }
  return { runs: rows.map(({ total_entries: _t, ...r }) => r), totalEntries: total };
}

/** One cell of the grid. */
export type GridCell = Pick<TaskInstanceRow, 'run_id' | 'task_id' | 'state' | 'duration_ms'>;

/** The grid's cells for some runs of one DAG: state and duration only (one index-prefix lookup). */
export async function listGridCells(
  db: Kysely<Database>,
  dagId: string,
  runIds: readonly string[],
): Promise<GridCell[]> {
  if (runIds.length === 0) return [];
  return db
    .selectFrom('heatflow.task_instances')
    .select(['run_id', 'task_id', 'state', 'duration_ms'])
    .where('dag_id', '=', dagId)
    .where('run_id', 'in', [...runIds])
    .execute();
}

/** One task instance with its current try's host and exit code. */
export async function getTiWithTry(
  db: Kysely<Database>,
  dagId: string,
  runId: string,
  taskId: string,
): Promise<TiWithTry | undefined> {
  const rows = await listTisOfRuns(db, dagId, [runId], { taskIds: [taskId] });
  return rows[0];
}

/** Tries of one task instance, oldest first. */
export async function listTriesOf(
  db: Kysely<Database>,
  dagId: string,
  runId: string,
  taskId: string,
): Promise<TaskTryRow[]> {
  return db
    .selectFrom('heatflow.task_tries')
    .selectAll()
    .where('dag_id', '=', dagId)
    .where('run_id', '=', runId)
    .where('task_id', '=', taskId)
    .orderBy('try_number')
    .execute();
}

/** One try, or undefined. */
export async function getTry(
  db: Kysely<Database>,
  dagId: string,
  runId: string,
  taskId: string,
  tryNumber: number,
): Promise<TaskTryRow | undefined> {
  return db
    .selectFrom('heatflow.task_tries')
    .selectAll()
    .where('dag_id', '=', dagId)
    .where('run_id', '=', runId)
    .where('task_id', '=', taskId)
    .where('try_number', '=', tryNumber)
    .executeTakeFirst();
}

/** One day of the calendar: the day (`YYYY-MM-DD` in the DAG's time zone) and its runs by state. */
export interface CalendarDay {
  readonly day: string;
  readonly counts: Readonly<Record<string, number>>;
}

/**
 * Runs of a DAG per local day of their logical date, for logical dates in `[from, to)`.
 * @param timezone IANA zone the days are counted in (the DAG's)
 */
export async function calendarDays(
  db: Kysely<Database>,
  dagId: string,
  timezone: string,
  from: Date,
  to: Date,
): Promise<CalendarDay[]> {
  const day = sql<string>`to_char(logical_date at time zone ${timezone}, 'YYYY-MM-DD')`;
  const rows = await db
    .selectFrom('heatflow.dag_runs')
    .select([day.as('day'), 'state', sql<number>`count(*)::int`.as('n')])
    .where('dag_id', '=', dagId)
    .where('logical_date', '>=', from)
    .where('logical_date', '<', to)
    // the zone is a parameter, so the select and group-by expressions differ textually: group by position
    .groupBy([sql`1`, 'state'])
    .execute();
  const byDay = new Map<string, Record<string, number>>();
  for (const r of rows) {
    const m = byDay.get(r.day) ?? {};
    m[r.state] = r.n;
    byDay.set(r.day, m);
  }
  return [...byDay.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([d, counts]) => ({ day: d, counts }));
}

/** First and last logical date of a DAG's runs, if it has any. */
export async function runDateRange(
  db: Kysely<Database>,
  dagId: string,
): Promise<{ first: Date; last: Date } | undefined> {
  const r = await db
    .selectFrom('heatflow.dag_runs')
    .select([sql<Date | null>`min(logical_date)`.as('first'), sql<Date | null>`max(logical_date)`.as('last')])
    .where('dag_id', '=', dagId)
    .executeTakeFirstOrThrow();
  return r.first === null || r.last === null ? undefined : { first: r.first, last: r.last };
}

/** One point of the task-duration chart. */
export interface DurationPoint {
  readonly run_id: string;
  readonly logical_date: Date;
  readonly task_id: string;
  readonly state: string;
  readonly duration_ms: number | null;
}

/** Durations of every task over the latest `runLimit` runs (by logical date), oldest first. */
export async function taskDurations(
  db: Kysely<Database>,
  dagId: string,
  runLimit: number,
): Promise<DurationPoint[]> {
  const runs = db
    .selectFrom('heatflow.dag_runs')
    .select(['run_id', 'logical_date'])
    .where('dag_id', '=', dagId)
    .orderBy('logical_date', 'desc')
    .limit(runLimit)
    .as('r');
  return db
    .selectFrom(runs)
    .innerJoin('heatflow.task_instances as ti', (j) =>
      j.on('ti.dag_id', '=', dagId).onRef('ti.run_id', '=', 'r.run_id'),
    )
    .select(['r.run_id', 'r.logical_date', 'ti.task_id', 'ti.state', 'ti.duration_ms'])
    .orderBy('r.logical_date')
    .orderBy('ti.task_id')
    .execute();
}

/** A backfill with its runs counted by state. */
export interface BackfillProgress {
  readonly backfill: BackfillRow;
  readonly runCounts: Readonly<Record<string, number>>;
  readonly totalRuns: number;
}

/** Backfills, newest first, with their progress (2 queries). */
export async function listBackfillProgress(
  db: Kysely<Database>,
  filter: { dagId?: string; id?: string; limit?: number } = {},
): Promise<BackfillProgress[]> {
  const backfills = await db
    .selectFrom('heatflow.backfills')
    .selectAll()
    .$if(filter.dagId !== undefined, (q) => q.where('dag_id', '=', filter.dagId as string))
    .$if(filter.id !== undefined, (q) => q.where('id', '=', filter.id as string))
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 100)
    .execute();
  if (backfills.length === 0) return [];
  const counts = await db
    .selectFrom('heatflow.dag_runs')
    .select(['backfill_id', 'state', sql<number>`count(*)::int`.as('n')])
    .where(
      'backfill_id',
      'in',
      backfills.map((b) => b.id),
    )
    .groupBy(['backfill_id', 'state'])
    .execute();
  return backfills.map((backfill) => {
    const runCounts: Record<string, number> = {};
    let totalRuns = 0;
    for (const c of counts) {
      if (c.backfill_id !== backfill.id) continue;
      runCounts[c.state] = c.n;
      totalRuns += c.n;
    }
    return { backfill, runCounts, totalRuns };
  });
}

/** Import errors with a stable numeric id (their position by file name). */
export async function listImportErrorRows(
  db: Kysely<Database>,
): Promise<{ filename: string; error: string; created_at: Date }[]> {
  return db.selectFrom('heatflow.import_errors').selectAll().orderBy('filename').execute();
}

/** Is the metadata database answering? @returns the round trip in ms */
export async function pingDatabase(db: Kysely<Database>): Promise<number> {
  const t0 = performance.now();
  await sql`select 1`.execute(db);
  return performance.now() - t0;
}
