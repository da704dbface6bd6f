/**
 * Schedules and data intervals, with Airflow 2's semantics (`CronDataIntervalTimetable`,
 * `OnceTimetable`, `NullTimetable`).
 *
 * A cron schedule's run for logical date `L` covers the data interval `[L, next cron point)` and is
 * created only once that interval has ended. Cron expressions are parsed and matched by
 * `cron-parser`; they are read on the DAG's wall clock in its IANA time zone, and wall-clock times
 * are turned into instants with `luxon`, the way Airflow's `CronMixin` does it
 * (airflow/timetables/_cron.py):
 * - the cron is evaluated on the naive local wall clock, then made aware with `fold=1`
 *   (`airflow.utils.timezone.make_aware`): a wall time that happens twice (clocks go back) is the
 *   **second** occurrence; a wall time that does not exist (clocks go forward) is read with the
 *   offset in force after the transition (PEP 495), so `01:00` on 2022-03-27 in Europe/London is
 *   00:00Z;
 * - a schedule that fires at least once every hour (hour field `*`) moves by the wall-clock
 *   distance in absolute time instead, so `0 * * * *` still fires every real hour across a change.
 *
 * Pure: no I/O, no clock (callers pass `now`).
 */
import { CronExpressionParser } from 'cron-parser';
import type { CronExpression } from 'cron-parser';
import { DateTime, IANAZone } from 'luxon';
import { HeatflowError } from './errors.js';
import type { Dag, DagRunInfo } from './types.js';

/**
 * Airflow's cron presets (airflow/utils/dates.py `cron_presets`), plus `@annually` and
 * `@midnight` as in crontab(5). `@once` and `null` are not crons; see {@link isOnceSchedule}.
 */
export const CRON_PRESETS: Readonly<Record<string, string>> = Object.freeze({
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@quarterly': '0 0 1 */3 *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
});

/** The schedule value that runs a DAG exactly once, at its start date. */
export const ONCE_SCHEDULE = '@once';

const DAY_MS = 86_400_000;

/** A schedule or date could not be understood. */
export class TimetableError extends HeatflowError {
  constructor(
    message: string,
    /** The value at fault. */
    readonly value: string,
  ) {
    super('TIMETABLE_INVALID', message);
  }
}

/** Whether `schedule` is `@once`. */
export function isOnceSchedule(schedule: string | null): schedule is '@once' {
  return schedule === ONCE_SCHEDULE;
}

/**
 * The 5-field cron expression of a schedule: the preset's expansion, or the expression itself.
 *
 * @returns `null` for `null` (manual only) and `@once`
 * @throws TimetableError when the schedule is an unknown preset, has other than 5 fields, or
 *   `cron-parser` rejects it
 */
export function cronExpressionFor(schedule: string | null): string | null {
  if (schedule === null || isOnceSchedule(schedule)) return null;
  const trimmed = schedule.trim();
  const expression = trimmed.startsWith('@') ? CRON_PRESETS[trimmed] : trimmed;
  if (expression === undefined) {
    throw new TimetableError(
      `unknown schedule preset "${schedule}"; use one of ${[...Object.keys(CRON_PRESETS), ONCE_SCHEDULE].join(', ')}, a 5-field cron expression, or null`,
      schedule,
    );
  }
  const fields = expression.split(/\s+/);
  if (fields.length !== 5) {
    throw new TimetableError(
      `cron expression "${schedule}" has ${fields.length} fields; expected 5 (minute hour day-of-month month day-of-week)`,
      schedule,
    );
  }
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC', strict: false });
  } catch (error) {
    throw new TimetableError(
      `invalid cron expression "${schedule}": ${error instanceof Error ? error.message : String(error)}`,
      schedule,
    );
  }
  return expression;
}

/** Whether `timezone` is an IANA time zone name luxon (the platform's ICU) knows. */
export function isValidTimezone(timezone: string): boolean {
  return IANAZone.isValidZone(timezone);
}

/**
 * Cron arithmetic in one time zone, as Airflow's `CronMixin` (`_get_next`, `_get_prev`,
 * `_align_to_next`, `_align_to_prev`). Instants are epoch milliseconds.
 */
class CronClock {
  private readonly zone: IANAZone;
  private readonly everyHour: boolean;
  /** evaluated in UTC on naive wall-clock times; `reset` before each use (single-threaded) */
  private readonly cron: CronExpression;

  constructor(
    private readonly expression: string,
    timezone: string,
  ) {
    this.zone = IANAZone.create(timezone);
    this.cron = CronExpressionParser.parse(expression, { tz: 'UTC' });
    // Airflow's `_covers_every_hour`: croniter normalises a full hour field to `*`.
    this.everyHour = this.cron.fields.hour.values.length === 24;
  }

  /** The first cron point strictly after `currentMs`. */
  next(currentMs: number): number {
    const naive = this.toNaive(currentMs);
    let scheduled = naive;
    // A wall time read with fold=1 can land before `currentMs` (a gap read with the later offset);
    // step on along the wall clock until the instant moves forward.
    for (let guard = 0; guard < 8; guard += 1) {
      scheduled = this.cronStep(scheduled, 'next');
      const candidate = this.everyHour ? currentMs + (scheduled - naive) : this.fromNaive(scheduled);
      if (candidate > currentMs) return candidate;
    }
    throw new TimetableError(`no cron point after ${new Date(currentMs).toISOString()}`, this.expression);
  }

  /** The last cron point strictly before `currentMs`. */
  prev(currentMs: number): number {
    const naive = this.toNaive(currentMs);
    let scheduled = naive;
    for (let guard = 0; guard < 8; guard += 1) {
      scheduled = this.cronStep(scheduled, 'prev');
      const candidate = this.everyHour ? currentMs - (naive - scheduled) : this.fromNaive(scheduled);
      if (candidate < currentMs) return candidate;
    }
    throw new TimetableError(`no cron point before ${new Date(currentMs).toISOString()}`, this.expression);
  }

  /**
   * The cron point after/before a naive wall-clock time, evaluated by cron-parser in UTC.
   * Remembered (a step costs about a millisecond, and the schedule's "next run" and catch-up step
   * over a year of days again and again); at most {@link STEP_MEMO_SIZE} answers are kept.
   */
  private cronStep(naiveMs: number, direction: 'next' | 'prev'): number {
    const memo = direction === 'next' ? this.nextMemo : this.prevMemo;
    const known = memo.get(naiveMs);
    if (known !== undefined) return known;
    this.cron.reset(new Date(naiveMs));
    const at = (direction === 'next' ? this.cron.next() : this.cron.prev()).getTime();
    if (memo.size >= STEP_MEMO_SIZE) memo.clear();
    memo.set(naiveMs, at);
    return at;
  }

  private readonly nextMemo = new Map<number, number>();
  private readonly prevMemo = new Map<number, number>();

  /** `currentMs` when it is a cron point, else the next one. */
  alignToNext(currentMs: number): number {
    const next = this.next(currentMs);
    return this.prev(next) === currentMs ? currentMs : next;
  }

  /** `currentMs` when it is a cron point, else the previous one. */
  alignToPrev(currentMs: number): number {
    const prev = this.prev(currentMs);
    return this.next(prev) === currentMs ? currentMs : prev;
  }

  /** Wall clock of the instant in the zone, as epoch ms of the same fields read in UTC. */
  private toNaive(instantMs: number): number {
    return instantMs + this.zone.offset(instantMs) * 60_000;
  }

  /** The instant of a wall-clock time, with Airflow's `fold=1` (see the module doc). */
  private fromNaive(naiveMs: number): number {
    const offsetBefore = this.zone.offset(naiveMs - DAY_MS);
    const offsetAfter = this.zone.offset(naiveMs + DAY_MS);
    const candidates = [...new Set([offsetBefore, offsetAfter])]
      .map((offsetMin) => naiveMs - offsetMin * 60_000)
      .filter((instant) => this.toNaive(instant) === naiveMs);
    if (candidates.length > 0) return Math.max(...candidates);
    // In a gap: read with the offset after the transition (PEP 495 fold=1).
    return naiveMs - offsetAfter * 60_000;
  }
}

/** Cron steps remembered per clock and direction. */
const STEP_MEMO_SIZE = 100_000;

const clocks = new Map<string, CronClock>();

function clockFor(dag: Pick<Dag, 'schedule' | 'timezone'>): CronClock | null {
  const expression = cronExpressionFor(dag.schedule);
  if (expression === null) return null;
  const key = `${dag.timezone}\u0000${expression}`;
  let clock = clocks.get(key);
  if (clock === undefined) {
    clock = new CronClock(expression, dag.timezone);
    clocks.set(key, clock);
  }
  return clock;
}

function info(startMs: number, endMs: number): DagRunInfo {
  return { logicalDate: new Date(startMs), dataInterval: { start: new Date(startMs), end: new Date(endMs) } };
}

/**
 * The next DAG run the scheduler should create now, or `null` when none is due.
 *
 * Airflow 2's `next_dagrun_info` plus the scheduler's "create once the data interval has ended"
 * rule (`next_dagrun_create_after` ≤ now):
 * - cron schedule, catchup on: the first cron point ≥ `startDate`, or the one after
 *   `lastAutomatedLogicalDate`; due when its interval `[L, next cron point)` ended at or before `now`;
 * - catchup off: never earlier than the start of the latest interval that ended at or before `now`
 *   (`_skip_to_latest`), nor earlier than `startDate`, and always after `lastAutomatedLogicalDate`;
 * - `endDate` is the last allowed logical date (inclusive);
 * - `@once`: one run at `startDate` with the zero-length interval `[startDate, startDate]`, due
 *   from `startDate` on, and never again once an automated run exists;
 * - `null` schedule: always `null` (manual runs only).
 *
 * @param lastAutomatedLogicalDate logical date of the latest `scheduled` run (not manual, not
 *   backfill), or `null` when there is none
 * @param now the current instant (injected for testability)
 */
export function nextDagRunInfo(
  dag: Dag,
  lastAutomatedLogicalDate: Date | null,
  now: Date,
): DagRunInfo | null {
  const nowMs = now.getTime();
  const endMs = dag.endDate?.getTime();
  if (dag.schedule === null) return null;
  if (isOnceSchedule(dag.schedule)) {
    if (lastAutomatedLogicalDate !== null) return null;
    const startMs = dag.startDate.getTime();
    if (endMs !== undefined && startMs > endMs) return null;
    return startMs <= nowMs ? info(startMs, startMs) : null;
  }
  const clock = clockFor(dag);
  if (clock === null) return null;
  let earliest = clock.alignToNext(dag.startDate.getTime());
  if (!dag.catchup) earliest = Math.max(latestEndedIntervalStart(clock, nowMs), earliest);
  let start = earliest;
  if (lastAutomatedLogicalDate !== null) {
    const lastEnd = clock.next(lastAutomatedLogicalDate.getTime());
    start = Math.max(clock.alignToPrev(lastEnd), earliest);
  }
  if (endMs !== undefined && start > endMs) return null;
  const end = clock.next(start);
  return end <= nowMs ? info(start, end) : null;
}

/** Airflow's `_skip_to_latest` without the start-date bound: the latest interval ended by `nowMs`. */
function latestEndedIntervalStart(clock: CronClock, nowMs: number): number {
  const lastStart = clock.prev(nowMs);
  const nextStart = clock.next(lastStart);
  return nextStart === nowMs ? lastStart : clock.prev(lastStart);
}

/**
 * Every run a backfill of `[from, to]` creates, in logical-date order: each logical date `L` of the
 * schedule with `from ≤ L ≤ to` (both inclusive), with its data interval.
 *
 * Decision (differs from Airflow 2, which backfills whatever range it is given): the range is
 * clamped to the DAG's own life, `startDate ≤ L ≤ endDate`, so a backfill never creates a run the
 * schedule could not have created. The CLI should warn when it clamps (compare the range given with
 * `dag.startDate`/`dag.endDate`). Runs whose interval has not ended yet are included when asked for;
 * the caller bounds `to` by now when it wants only finished intervals.
 *
 * `@once` gives the single run at `startDate` when it is in range; `null` schedule gives none.
 */
export function dagRunInfosBetween(dag: Dag, from: Date, to: Date): DagRunInfo[] {
  if (dag.schedule === null) return [];
  const fromMs = Math.max(from.getTime(), dag.startDate.getTime());
  const toMs = Math.min(to.getTime(), dag.endDate?.getTime() ?? Number.POSITIVE_INFINITY);
  if (fromMs > toMs) return [];
  if (isOnceSchedule(dag.schedule)) {
    const startMs = dag.startDate.getTime();
    return startMs >= fromMs && startMs <= toMs ? [info(startMs, startMs)] : [];
  }
  const clock = clockFor(dag);
  if (clock === null) return [];
  const infos: DagRunInfo[] = [];
  for (let start = clock.alignToNext(fromMs); start <= toMs;) {
    const end = clock.next(start);
    infos.push(info(start, end));
    start = end;
  }
  return infos;
}

/**
 * The data interval of a manually triggered run (`dags trigger`), as Airflow 2's
 * `infer_manual_data_interval`: the logical date stays what was asked for; for a cron schedule the
 * interval is the latest complete period ending at or before it (`[prev(E), E)` with `E` the latest
 * cron point ≤ logical date), so a manual run at 10:00 of a daily-at-01:00 DAG covers yesterday
 * 01:00 → today 01:00; for `@once` and `null` schedules it is the zero-length `[L, L]`.
 */
export function inferManualDataInterval(dag: Dag, logicalDate: Date): DagRunInfo {
  const clock = clockFor(dag);
  const logicalMs = logicalDate.getTime();
  if (clock === null) return { logicalDate, dataInterval: { start: logicalDate, end: logicalDate } };
  const end = clock.alignToPrev(logicalMs);
  return { logicalDate, dataInterval: { start: new Date(clock.prev(end)), end: new Date(end) } };
}

/**
 * The run the schedule has for a local calendar day (what `dags trigger --logical-date 2022-01-01`
 * means by a date without a time): the first logical date of the schedule on that day in the DAG's
 * time zone, with the data interval a scheduled run or a backfill of it has, `[L, next cron point)`.
 * For tado_etl (`0 1 * * *`, Europe/London) 2022-01-01 is 2022-01-01T01:00Z, the logical date of
 * `scheduled__2022-01-01T01:00:00+00:00`, not local midnight. The DAG's start and end dates do not
 * bound it (a manual run may be outside them).
 *
 * @param date - `YYYY-MM-DD`
 * @returns `null` when the schedule has no logical date on that day (`null` and `@once`
 *   schedules, asset schedules, a weekly cron on another weekday)
 * @throws TimetableError when `date` is not a calendar date
 */
export function scheduledRunOnDay(dag: Pick<Dag, 'schedule' | 'timezone'>, date: string): DagRunInfo | null {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(date) ? DateTime.fromISO(date, { zone: dag.timezone }) : null;
  if (day === null || !day.isValid)
    throw new TimetableError(`"${date}" is not a calendar date (expected YYYY-MM-DD)`, date);
  const clock = clockFor(dag);
  if (clock === null) return null;
  const start = clock.alignToNext(day.startOf('day').toMillis());
  if (start >= day.plus({ days: 1 }).startOf('day').toMillis()) return null;
  return info(start, clock.next(start));
}

/** `ds`: the instant's calendar date `YYYY-MM-DD` in `timezone` (Airflow's `{{ ds }}`). */
export function formatDs(date: Date, timezone: string): string {
  return DateTime.fromMillis(date.getTime(), { zone: timezone }).toFormat('yyyy-MM-dd');
}

/**
 * Parse a date given on the command line or in a DAG file.
 *
 * - `YYYY-MM-DD`: local midnight in `timezone`, or with `endOfDay` the last millisecond of that
 *   local day (so `-e 2022-12-31` includes the runs of December 31st);
 * - an ISO date-time without offset (`2022-01-01T05:00`): that wall-clock time in `timezone`;
 * - an ISO date-time with `Z` or an offset: that instant, as given.
 *
 * @throws TimetableError when the value is not an ISO 8601 date or date-time, or the zone is unknown
 */
export function parseDagDate(value: string, timezone: string, endOfDay: boolean): Date {
  if (!isValidTimezone(timezone)) throw new TimetableError(`unknown IANA time zone "${timezone}"`, timezone);
  const trimmed = value.trim();
  const parsed = DateTime.fromISO(trimmed, { zone: timezone });
  if (!parsed.isValid) {
    // a well-formed day that the calendar does not have (2022-02-30) is said in words, not in
    // luxon's ("you specified 30 (of type number) as a day"); so is a time of day the clock does
    // not have (T25:00)
    const day = /^(\d{4})-(\d{2})-(\d{2})(?:$|T(.*))/.exec(trimmed);
    const outOfRange = day !== null && parsed.invalidReason === 'unit out of range';
    const why = !outOfRange
      ? `expected YYYY-MM-DD or an ISO 8601 date-time (${parsed.invalidExplanation ?? parsed.invalidReason ?? 'unparsable'})`
      : !DateTime.fromISO(`${day[1]}-${day[2]}-${day[3]}`, { zone: 'UTC' }).isValid
        ? `${day[1]}-${day[2]}-${day[3]} is not a calendar date`
        : `${day[4] ?? ''} is not a time of day`;
    throw new TimetableError(`invalid date "${value}": ${why}`, value);
  }
  // luxon takes any two-digit offset (+99:00); the world's offsets lie within ±14:00 (ISO 8601
  // allows no more, and IANA zones span -12:00..+14:00)
  const offset = /([+-])(\d{2}):?(\d{2})$/.exec(trimmed.includes('T') ? trimmed : '');
  if (offset !== null && Number(offset[2]) * 60 + Number(offset[3]) > 14 * 60)
    throw new TimetableError(
      `invalid date "${value}": ${offset[0]} is not a UTC offset (they lie within ±14:00)`,
      value,
    );
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(trimmed);
  return (dateOnly && endOfDay ? parsed.endOf('day') : parsed).toJSDate();
}
