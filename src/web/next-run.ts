/**
 * The "next run" shown for a DAG: the run the schedule will create next, and when. Pure.
 */
import { dagRunInfosBetween, inferManualDataInterval, nextDagRunInfo } from '../core/timetable.js';
import type { Dag } from '../core/types.js';

/** The next scheduled run of a DAG. */
export interface NextRun {
  readonly logicalDate: Date;
  readonly dataIntervalStart: Date;
  readonly dataIntervalEnd: Date;
  /** when the scheduler creates it (its data interval's end, as in Airflow) */
  readonly createAfter: Date;
  /** its interval has ended already: the scheduler creates it on its next pass */
  readonly due: boolean;
}

const DAY_MS = 86_400_000;

/**
 * The next run of the schedule after `cursor` (the last logical date the schedule created), or
 * `null` for manual-only DAGs, `@once` DAGs already run, and DAGs past their end date.
 */
export function nextRunOf(dag: Dag, cursor: Date | null, now: Date): NextRun | null {
  if (dag.schedule === null) return null;
  const due = nextDagRunInfo(dag, cursor, now);
  if (due !== null) {
    return {
      logicalDate: due.logicalDate,
      dataIntervalStart: due.dataInterval.start,
      dataIntervalEnd: due.dataInterval.end,
      createAfter: due.dataInterval.end,
      due: true,
    };
  }
  if (dag.schedule === '@once') return null;
  // Not due: the interval in progress, [latest schedule point ≤ now, the one after), or the first
  // interval of the DAG when it has not started yet.
  const latestPoint = inferManualDataInterval(dag, now).dataInterval.end.getTime();
  const from = Math.max(latestPoint, dag.startDate.getTime(), cursor === null ? 0 : cursor.getTime() + 1);
  const [next] = dagRunInfosBetween(dag, new Date(from), new Date(from + 32 * DAY_MS)).slice(0, 1);
  if (next === undefined) return null;
  return {
    logicalDate: next.logicalDate,
    dataIntervalStart: next.dataInterval.start,
    dataIntervalEnd: next.dataInterval.end,
    createAfter: next.dataInterval.end,
    due: false,
  };
}
