/**
 * What a logical date given to a manual trigger means, shared by `dags trigger --logical-date`,
 * `POST /api/v1/dags/{id}/dagRuns` and the web's trigger form, so the three make the same run.
 */
import { parseDagDate, scheduledRunOnDay } from './timetable.js';
import type { Dag, DataInterval } from './types.js';

/** A manual run's logical date and, for a bare date on a scheduled day, its data interval. */
export interface TriggerDate {
  /** the run's logical date */
  readonly logicalDate: Date;
  /** the scheduled run's data interval when `kind` is `scheduled-day`, else absent (Airflow's manual interval) */
  readonly dataInterval?: DataInterval;
  /**
   * - `instant`: a date-time, that instant (a time without an offset read in the DAG's zone);
   * - `scheduled-day`: a bare date, the first logical date the schedule has that local day;
   * - `local-midnight`: a bare date on a day the schedule has no logical date (or no schedule).
   */
  readonly kind: 'instant' | 'scheduled-day' | 'local-midnight';
}

/** `true` when `value` is a bare calendar date `YYYY-MM-DD` (no time). */
export function isBareDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value.trim());
}

/**
 * Resolves a trigger's logical date. A bare `YYYY-MM-DD` is that local day's scheduled logical
 * date (for tado_etl, `0 1 * * *` in Europe/London, 2022-06-15 is 2022-06-15T00:00Z, the logical
 * date of `scheduled__2022-06-15T00:00:00+00:00`), with the scheduled run's data interval, so it is
 * the same run as the schedule's or a backfill's for that day; local midnight in the DAG's zone when
 * the schedule has no logical date that day. A date-time is that instant.
 *
 * @param dag - the DAG's schedule and time zone
 * @param value - a date or ISO 8601 date-time
 * @throws TimetableError naming the value when it is not a date or date-time the calendar has
 */
export function resolveTriggerDate(dag: Pick<Dag, 'schedule' | 'timezone'>, value: string): TriggerDate {
  const at = parseDagDate(value, dag.timezone, false);
  if (!isBareDate(value)) return { logicalDate: at, kind: 'instant' };
  const scheduled = scheduledRunOnDay(dag, value.trim());
  if (scheduled === null) return { logicalDate: at, kind: 'local-midnight' };
  return { logicalDate: scheduled.logicalDate, dataInterval: scheduled.dataInterval, kind: 'scheduled-day' };
}
