/**
 * What a day report for one local date should cover: tado's window is the local day widened by
 * 15 minutes on each side (tado-api.md §5.2), with 23 or 25 hours on clock-change days.
 */
import { DateTime } from 'luxon';
import { HeatflowError } from '../core/errors.js';

/** The margin tado adds on each side of the local day, in ms (15 min). */
export const REPORT_MARGIN_MS = 15 * 60 * 1000;
/** Spacing of `dataPoints` series, in ms (15 min). */
export const POINT_GRID_MS = 15 * 60 * 1000;

/** The local day of a report and the window tado should report for it (UTC instants). */
export interface LocalDayWindow {
  /** `YYYY-MM-DD` */
  readonly date: string;
  /** IANA time zone */
  readonly timeZone: string;
  /** local midnight starting the day */
  readonly dayStart: Date;
  /** next local midnight (exclusive end of the day) */
  readonly dayEnd: Date;
  /** hours of the local day: 24, 23 (spring forward) or 25 (fall back) */
  readonly hoursInDay: number;
  /** expected `interval.from`: `dayStart` − 15 min */
  readonly windowStart: Date;
  /** expected `interval.to`: `dayEnd` + 15 min */
  readonly windowEnd: Date;
}

/** A {@link LocalDayWindow} as JSON (an XCom): instants as ISO 8601 UTC strings. */
export interface LocalDayWindowJson {
  readonly date: string;
  readonly timeZone: string;
  readonly dayStart: string;
  readonly dayEnd: string;
  readonly hoursInDay: number;
  readonly windowStart: string;
  readonly windowEnd: string;
}

/** The JSON form of `w`. */
export function dayWindowToJson(w: LocalDayWindow): LocalDayWindowJson {
  return {
    date: w.date,
    timeZone: w.timeZone,
    dayStart: w.dayStart.toISOString(),
    dayEnd: w.dayEnd.toISOString(),
    hoursInDay: w.hoursInDay,
    windowStart: w.windowStart.toISOString(),
    windowEnd: w.windowEnd.toISOString(),
  };
}

/** The window from its JSON form (no time zone arithmetic, so no ICU: see {@link localDayWindow}). */
export function dayWindowFromJson(j: LocalDayWindowJson): LocalDayWindow {
  return {
    date: j.date,
    timeZone: j.timeZone,
    dayStart: new Date(j.dayStart),
    dayEnd: new Date(j.dayEnd),
    hoursInDay: j.hoursInDay,
    windowStart: new Date(j.windowStart),
    windowEnd: new Date(j.windowEnd),
  };
}

/**
 * Computes the local day `date` in `timeZone` and tado's report window for it. Uses luxon's IANA
 * zones, i.e. `Intl` (ICU), whose first use costs a process about 15-20 ms of CPU; tado_etl computes
 * the window once, in extract, and hands it downstream (docs/pipeline.md).
 * @throws HeatflowError `INVALID_DAY` when the date or the time zone is invalid
 */
export function localDayWindow(date: string, timeZone: string): LocalDayWindow {
  const start = DateTime.fromISO(date, { zone: timeZone });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !start.isValid) {
    throw new HeatflowError(
      'INVALID_DAY',
      `invalid day "${date}" in time zone "${timeZone}": ${start.invalidExplanation ?? 'expected YYYY-MM-DD'}`,
    );
  }
  const end = start.plus({ days: 1 });
  const dayStart = start.toJSDate();
  const dayEnd = end.toJSDate();
  return {
    date,
    timeZone,
    dayStart,
    dayEnd,
    hoursInDay: Math.round((dayEnd.getTime() - dayStart.getTime()) / 3_600_000),
    windowStart: new Date(dayStart.getTime() - REPORT_MARGIN_MS),
    windowEnd: new Date(dayEnd.getTime() + REPORT_MARGIN_MS),
  };
}

/**
 * The window of `date` in `timeZone`: `given` when the caller already has it, else computed with
 * {@link localDayWindow}.
 * @throws HeatflowError `INVALID_DAY` when `given` is the window of another day or time zone, or
 * when `date` or `timeZone` is invalid
 */
export function dayWindowOf(date: string, timeZone: string, given?: LocalDayWindow): LocalDayWindow {
  if (given === undefined) return localDayWindow(date, timeZone);
  if (given.date !== date || given.timeZone !== timeZone) {
    throw new HeatflowError(
      'INVALID_DAY',
      `the day window given is for ${given.date} in ${given.timeZone}, not for ${date} in ${timeZone}`,
    );
  }
  return given;
}

/** How long after a report window closes extract fetches it: tado's cloud gets the last point late. */
export const REPORT_FETCH_GRACE_MS = 5 * 60 * 1000;
/** The longest extract waits for a window to close (a scheduled run on a clock-change eve: 20 min). */
export const MAX_REPORT_WAIT_MS = 30 * 60 * 1000;

/**
 * How long to wait, at `nowMs`, before fetching the reports of `w` so that tado reports the whole
 * day: 0 once `windowEnd` + {@link REPORT_FETCH_GRACE_MS} has passed. A scheduled run normally
 * starts 45 min after the window closes (01:00 local the next day); on the eve of a spring-forward
 * day the next 01:00 does not exist and Airflow's timetable reads it as 00:00 UTC (Europe/London),
 * 15 min before the window closes, so extract waits instead of fetching a report cut short.
 * @returns the wait in ms (0..`maxWaitMs`)
 * @throws HeatflowError `DAY_NOT_OVER` (retryable) when the wait would be longer than `maxWaitMs`:
 *   the day is not over yet, fetching it now would cut it short; the message names the day and
 *   the instant from which it can be fetched
 */
export function reportWaitMs(w: LocalDayWindow, nowMs: number, maxWaitMs = MAX_REPORT_WAIT_MS): number {
  const readyAt = w.windowEnd.getTime() + REPORT_FETCH_GRACE_MS;
  const waitMs = Math.max(0, readyAt - nowMs);
  if (waitMs > maxWaitMs) {
    throw new HeatflowError(
      'DAY_NOT_OVER',
      `${w.date} (${w.timeZone}) is not over: tado reports it until ${w.windowEnd.toISOString()}, so it can be fetched from ${new Date(readyAt).toISOString()} on, ${Math.ceil(waitMs / 60_000)} min from now`,
      { retryable: true },
    );
  }
  return waitMs;
}
