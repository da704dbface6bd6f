/**
 * The next run of a DAG and what catch-up will create, read from the database: the DAG's schedule
 * cursor and the logical dates that already have a run, handed to the pure functions of
 * `src/core/schedule-ahead.ts`. The web page, the API, `dags list --json` and `dags unpause` use
 * these, so they agree with each other and with what the scheduler creates.
 */
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { catchupPlanOf, nextRunOf, type CatchupPlan, type NextRun } from '../core/schedule-ahead.js';
import type { Dag } from '../core/types.js';
import { runLogicalDatesAfter } from '../db/dag-run-repository.js';
import type { Database, DagRow } from '../db/database.js';

/** The row fields these read. */
export type ScheduleCursorRow = Pick<DagRow, 'dag_id' | 'next_dagrun_logical_date'>;

/** The run the scheduler would create next for this DAG (paused or not), or `null`. */
export async function loadNextRun(
  db: Kysely<Database>,
  dag: Dag,
  row: ScheduleCursorRow,
  now: Date,
): Promise<NextRun | null> {
  if (dag.schedule === null) return null;
  const existing = await runLogicalDatesAfter(db, dag.dagId, row.next_dagrun_logical_date);
  return nextRunOf(dag, row.next_dagrun_logical_date, now, existing);
}

/** The runs catch-up will create for this DAG once it is unpaused (due now, without a run). */
export async function loadCatchupPlan(
  db: Kysely<Database>,
  dag: Dag,
  row: ScheduleCursorRow,
  now: Date,
): Promise<CatchupPlan> {
  if (dag.schedule === null) return { count: 0, first: undefined, last: undefined };
  const existing = await runLogicalDatesAfter(db, dag.dagId, row.next_dagrun_logical_date);
  return catchupPlanOf(dag, row.next_dagrun_logical_date, now, existing);
}

/**
 * What `dags unpause` says about catch-up, e.g. `catch-up will create 1,428 runs from 2023-01-04
 * (max_active_runs 16 at a time)`; dates are the DAG's local days.
 */
export function describeCatchup(dag: Dag, plan: CatchupPlan, maxActiveRuns: number): string {
  if (plan.first === undefined) return 'catch-up: no runs are due';
  const day = (d: Date) => DateTime.fromJSDate(d, { zone: dag.timezone }).toFormat('yyyy-MM-dd');
  const n = plan.count.toLocaleString('en-US');
  const range =
    plan.count === 1 ? `for ${day(plan.first.logicalDate)}` : `from ${day(plan.first.logicalDate)}`;
  const why = dag.catchup ? '' : ' (catchup is off: only the latest interval)';
  return `catch-up will create ${n} run${plan.count === 1 ? '' : 's'} ${range} (max_active_runs ${maxActiveRuns} at a time)${why}`;
}
