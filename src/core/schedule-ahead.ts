/**
 * What the schedule will create next, seen from its cursor (`dags.next_dagrun_logical_date`, the
 * last logical date the schedule created or stepped over): the due runs in order, skipping the
 * logical dates that already have a run (a backfill's, a manual run's: `(dag_id, logical_date)`
 * is unique, so the scheduler steps over them instead of creating them). Pure; the scheduler, the
 * web's and the CLI's "next run" and `dags unpause` all read the schedule through it.
 */
import { dagRunInfosBetween, inferManualDataInterval, nextDagRunInfo } from './timetable.js';
import type { Dag, DagRunInfo } from './types.js';

/** The next runs the schedule creates, and the cursor after them. */
export interface ScheduleStep {
  /** the runs to create, in logical-date order (at most the `max` asked for) */
  readonly runs: readonly DagRunInfo[];
  /** the cursor after these runs and the existing ones stepped over (`null`: unchanged, none) */
  readonly cursor: Date | null;
}

/**
 * The next due runs after `cursor`, at most `max` of them, skipping logical dates in `existing`.
 * @param existing - epoch milliseconds of the logical dates that have a run (after the cursor)
 * @param max - at most this many runs; `Infinity` for all that are due (finite: only runs whose
 *   data interval has ended by `now` are due)
 */
export function dueScheduledRuns(
  dag: Dag,
  cursor: Date | null,
  now: Date,
  existing: ReadonlySet<number>,
  max: number,
): ScheduleStep {
  const runs: DagRunInfo[] = [];
  let last = cursor;
  while (runs.length < max) {
    const info = nextDagRunInfo(dag, last, now);
    if (info === null) break;
    last = info.logicalDate;
    if (!existing.has(info.logicalDate.getTime())) runs.push(info);
  }
  return { runs, cursor: last };
}

/** The next scheduled run of a DAG (Airflow's `next_dagrun`, `next_dagrun_create_after`). */
export interface NextRun {
  readonly logicalDate: Date;
  readonly dataIntervalStart: Date;
  readonly dataIntervalEnd: Date;
  /** when the scheduler creates it (its data interval's end, as in Airflow) */
  readonly createAfter: Date;
  /** its interval has ended already: the scheduler creates it on its next pass (when unpaused) */
  readonly due: boolean;
}

const DAY_MS = 86_400_000;

/**
 * The run the scheduler would actually create next: the first due run after `cursor` whose logical
 * date has no run yet, or else the interval in progress (or the DAG's first interval when it has
 * not started); `null` for manual-only DAGs, `@once` DAGs already run, and DAGs past their end
 * date. Whether the DAG is paused does not change it (Airflow shows it for paused DAGs too).
 * @param existing - epoch milliseconds of the logical dates that have a run (after the cursor)
 */
export function nextRunOf(
  dag: Dag,
  cursor: Date | null,
  now: Date,
  existing: ReadonlySet<number> = new Set(),
): NextRun | null {
  if (dag.schedule === null) return null;
  const step = dueScheduledRuns(dag, cursor, now, existing, 1);
  const due = step.runs[0];
  if (due !== undefined) return nextRun(due, true);
  if (dag.schedule === '@once') return null;
  // Not due: the interval in progress, [latest schedule point ≤ now, the one after), or the first
  // interval of the DAG when it has not started yet; the first without a run.
  const after = step.cursor;
  const latestPoint = inferManualDataInterval(dag, now).dataInterval.end.getTime();
  const from = Math.max(latestPoint, dag.startDate.getTime(), after === null ? 0 : after.getTime() + 1);
  const next = dagRunInfosBetween(dag, new Date(from), new Date(from + 32 * DAY_MS)).find(
    (i) => !existing.has(i.logicalDate.getTime()),
  );
  return next === undefined ? null : nextRun(next, false);
}

function nextRun(i: DagRunInfo, due: boolean): NextRun {
  return {
    logicalDate: i.logicalDate,
    dataIntervalStart: i.dataInterval.start,
    dataIntervalEnd: i.dataInterval.end,
    createAfter: i.dataInterval.end,
    due,
  };
}

/** What catch-up will create once a DAG is unpaused. */
export interface CatchupPlan {
  /** runs due now (their data interval has ended) that have no run yet */
  readonly count: number;
  /** the first of them */
  readonly first: DagRunInfo | undefined;
  /** the last of them */
  readonly last: DagRunInfo | undefined;
}

/** The runs that are due now and that catch-up will create, `max_active_runs` at a time. */
export function catchupPlanOf(
  dag: Dag,
  cursor: Date | null,
  now: Date,
  existing: ReadonlySet<number>,
): CatchupPlan {
  const { runs } = dueScheduledRuns(dag, cursor, now, existing, Number.POSITIVE_INFINITY);
  return { count: runs.length, first: runs[0], last: runs[runs.length - 1] };
}
