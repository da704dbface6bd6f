/**
 * Checks that a parsed day report covers its local day as tado reports it (tado-api.md §5.2):
 * the window is the local day ±15 minutes, `hoursInDay` is 23/24/25 as the clock says, the
 * `dataPoints` sit on the 15-minute grid and cover the window, and every `dataIntervals` series
 * tiles the window without gaps. A report whose window ends early was fetched before the day was
 * over ("cut short") and fails, so the task's retry fetches it again; a window shifted as a whole,
 * or an `hoursInDay` other than the local day's, is a time zone/window mismatch
 * (`window-mismatch.ts`), which no retry can fix.
 *
 * Flags, without failing: tado's placeholder data (every point 20 °C and 0.5 humidity, served
 * for days about a year back) and spans when the measuring device was disconnected.
 */
import type { DayReport } from '../tado/schemas.js';
import { checkAcDayReport } from './check-ac-day-report.js';
import { DayReportInvalidError, type DayReportIssue } from './errors.js';
import { dayWindowOf, POINT_GRID_MS, type LocalDayWindow } from './local-day-window.js';
import { findWindowMismatch, type WindowMismatch } from './window-mismatch.js';

/** Which report is checked (for messages) and what day it must cover. */
export interface DayReportCheckInput {
  /** the report file, named in messages */
  readonly file: string;
  readonly zoneId: number;
  /** the local date the report is for, `YYYY-MM-DD` */
  readonly date: string;
  /** the home's IANA time zone */
  readonly timeZone: string;
  /** the day's window, when already computed for `date` and `timeZone`; `@defaultValue` computed here */
  readonly window?: LocalDayWindow;
}

/** Something worth knowing about a report that does not make it wrong. */
export interface DayReportFlag {
  /** `placeholder`: tado's stand-in data; `device_offline`: the measuring device was disconnected */
  readonly code: 'placeholder' | 'device_offline';
  readonly path: string;
  readonly message: string;
}

/** A span `[from, to)` as ISO 8601 UTC strings. */
export interface Span {
  readonly from: string;
  readonly to: string;
}

/** The outcome of {@link checkDayReport}. */
export interface DayReportCheck {
  readonly file: string;
  readonly zoneId: number;
  readonly date: string;
  readonly window: LocalDayWindow;
  /** empty when the report is good */
  readonly issues: readonly DayReportIssue[];
  readonly flags: readonly DayReportFlag[];
  /** the report starts where it should and ends before its window closes (fetch it again) */
  readonly cutShort: boolean;
  /**
   * the report's window is that of another time zone or day (`src/etl/window-mismatch.ts`):
   * fetching again cannot help; null when none
   */
  readonly windowMismatch: WindowMismatch | null;
  /** every point is tado's placeholder (20 °C, 0.5) */
  readonly placeholder: boolean;
  /** disconnected spans, clipped to the local day */
  readonly deviceOfflineSpans: readonly Span[];
  /** total of {@link deviceOfflineSpans}, in ms */
  readonly deviceOfflineMs: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const ms = (s: string): number => Date.parse(s);

/** Placeholder values tado serves for days it no longer has (tado-api.md §5.4). */
const PLACEHOLDER_TEMPERATURE_C = 20;
const PLACEHOLDER_HUMIDITY_FRACTION = 0.5;

/** True when every inside-temperature point is 20 °C and every humidity point 0.5 (and there are points). */
export function isPlaceholderReport(report: DayReport): boolean {
  const t = report.measuredData.insideTemperature.dataPoints;
  const h = report.measuredData.humidity.dataPoints;
  return (
    t.length > 0 &&
    h.length > 0 &&
    t.every((p) => p.value.celsius === PLACEHOLDER_TEMPERATURE_C) &&
    h.every((p) => p.value === PLACEHOLDER_HUMIDITY_FRACTION)
  );
}

/** Spans in which `measuredData.measuringDeviceConnected` is false, clipped to `[dayStart, dayEnd)`. */
export function deviceOfflineSpans(report: DayReport, window: LocalDayWindow): Span[] {
  const lo = window.dayStart.getTime();
  const hi = window.dayEnd.getTime();
  const spans: Span[] = [];
  for (const i of report.measuredData.measuringDeviceConnected.dataIntervals) {
    if (i.value) continue;
    const from = Math.max(ms(i.from), lo);
    const to = Math.min(ms(i.to), hi);
    if (from < to) spans.push({ from: iso(from), to: iso(to) });
  }
  return spans;
}

/** Offline spans over the whole report window (to excuse missing points). */
function offlineWindowSpans(report: DayReport): [number, number][] {
  return report.measuredData.measuringDeviceConnected.dataIntervals
    .filter((i) => !i.value)
    .map((i) => [ms(i.from), ms(i.to)]);
}

/** Checks one `dataPoints` series: grid, order, window, coverage. */
function checkPoints(
  path: string,
  timestamps: readonly string[],
  window: LocalDayWindow,
  reportEndMs: number,
  offline: readonly [number, number][],
  issues: DayReportIssue[],
): void {
  const lo = window.windowStart.getTime();
  const hi = window.windowEnd.getTime();
  const present = new Set<number>();
  let prev = -Infinity;
  timestamps.forEach((s, i) => {
    const t = ms(s);
    const p = `${path}[${i}].timestamp`;
    if (t % POINT_GRID_MS !== 0) {
      issues.push({
        code: 'OFF_GRID',
        path: p,
        message: 'point is off the 15-minute grid',
        expected: 'a time at :00, :15, :30 or :45 with zero seconds',
        actual: s,
      });
    } else if (t < lo || t > hi) {
      issues.push({
        code: 'OUTSIDE_WINDOW',
        path: p,
        message: 'point lies outside the report window',
        expected: `${iso(lo)} … ${iso(hi)}`,
        actual: s,
      });
    }
    if (t <= prev) {
      issues.push({
        code: t === prev ? 'DUPLICATE_POINT' : 'NOT_ASCENDING',
        path: p,
        message: t === prev ? 'timestamp repeats the previous point' : 'points are not in time order',
        expected: `after ${iso(prev)}`,
        actual: s,
      });
    }
    prev = Math.max(prev, t);
    present.add(t);
  });
  const expectedCount = Math.round((hi - lo) / POINT_GRID_MS) + 1;
  const missing: number[] = [];
  for (let t = lo; t <= Math.min(hi, reportEndMs); t += POINT_GRID_MS) {
    if (present.has(t)) continue;
    // A point missing while the device was offline is excused (the flag reports the span).
    if (!offline.some(([a, b]) => t >= a && t <= b)) missing.push(t);
  }
  const first = missing[0];
  if (first !== undefined) {
    issues.push({
      code: 'MISSING_POINTS',
      path,
      message: `${missing.length} point${missing.length > 1 ? 's' : ''} missing on the 15-minute grid, the first at ${iso(first)}`,
      expected: `${expectedCount} points every 15 minutes from ${iso(lo)} to ${iso(hi)} (hoursInDay ${window.hoursInDay} × 4 + 3)`,
      actual: `${timestamps.length} points`,
    });
  }
}

/** Checks one `dataIntervals` series tiles `[from, to]` of the report without gaps or overlaps. */
function checkIntervals(
  path: string,
  intervals: readonly { from: string; to: string }[],
  reportFrom: string,
  reportTo: string,
  issues: DayReportIssue[],
): void {
  const first = intervals[0];
  const last = intervals[intervals.length - 1];
  if (first === undefined || last === undefined) {
    issues.push({
      code: 'EMPTY_SERIES',
      path,
      message: 'series has no intervals',
      expected: `intervals covering ${reportFrom} … ${reportTo}`,
      actual: '[]',
    });
    return;
  }
  if (ms(first.from) !== ms(reportFrom)) {
    issues.push({
      code: 'NOT_CONTIGUOUS',
      path: `${path}[0].from`,
      message: 'first interval does not start at the report start',
      expected: reportFrom,
      actual: first.from,
    });
  }
  intervals.forEach((iv, i) => {
    if (ms(iv.to) < ms(iv.from)) {
      issues.push({
        code: 'NEGATIVE_INTERVAL',
        path: `${path}[${i}].to`,
        message: 'interval ends before it starts',
        expected: `at or after ${iv.from}`,
        actual: iv.to,
      });
    }
    const next = intervals[i + 1];
    if (next !== undefined && ms(next.from) !== ms(iv.to)) {
      issues.push({
        code: 'NOT_CONTIGUOUS',
        path: `${path}[${i + 1}].from`,
        message: ms(next.from) > ms(iv.to) ? 'gap between intervals' : 'intervals overlap',
        expected: iv.to,
        actual: next.from,
      });
    }
  });
  if (ms(last.to) !== ms(reportTo)) {
    issues.push({
      code: 'NOT_CONTIGUOUS',
      path: `${path}[${intervals.length - 1}].to`,
      message: 'last interval does not end at the report end',
      expected: reportTo,
      actual: last.to,
    });
  }
}

/**
 * Checks a parsed day report against its date and the home's time zone. Never throws for a bad
 * report: the issues and flags are in the result (see {@link assertDayReportValid}).
 * @throws HeatflowError `INVALID_DAY` when `date` or `timeZone` itself is invalid
 */
export function checkDayReport(report: DayReport, input: DayReportCheckInput): DayReportCheck {
  const window = dayWindowOf(input.date, input.timeZone, input.window);
  const issues: DayReportIssue[] = [];
  const from = ms(report.interval.from);
  const to = ms(report.interval.to);
  const windowMismatch = findWindowMismatch(report, window);
  const cutShort =
    windowMismatch === null && to < window.windowEnd.getTime() && to > window.windowStart.getTime();

  if (windowMismatch !== null) {
    issues.push({
      code: 'WINDOW_MISMATCH',
      path: windowMismatch.kind === 'offset' ? 'interval.from' : 'hoursInDay',
      message: windowMismatch.message,
      expected:
        windowMismatch.kind === 'offset'
          ? `${window.windowStart.toISOString()} (local midnight − 15 min in ${input.timeZone})`
          : `${window.hoursInDay} (the length of ${input.date} in ${input.timeZone})`,
      actual: windowMismatch.kind === 'offset' ? report.interval.from : String(report.hoursInDay),
    });
  }
  if (cutShort) {
    issues.push({
      code: 'CUT_SHORT',
      path: 'interval.to',
      message:
        `report cut short: it ends ${Math.round((window.windowEnd.getTime() - to) / 60_000)} min before its window closes ` +
        '(fetched before the day was over); fetch it again',
      expected: `${window.windowEnd.toISOString()} (next local midnight + 15 min in ${input.timeZone})`,
      actual: report.interval.to,
    });
  } else if (to !== window.windowEnd.getTime()) {
    issues.push({
      code: 'WRONG_WINDOW',
      path: 'interval.to',
      message: `report window does not end at the end of ${input.date} + 15 min`,
      expected: `${window.windowEnd.toISOString()} (next local midnight + 15 min in ${input.timeZone})`,
      actual: report.interval.to,
    });
  }
  if (from !== window.windowStart.getTime()) {
    issues.push({
      code: 'WRONG_WINDOW',
      path: 'interval.from',
      message: `report window does not start 15 min before ${input.date}`,
      expected: `${window.windowStart.toISOString()} (local midnight − 15 min in ${input.timeZone})`,
      actual: report.interval.from,
    });
  }
  if (report.hoursInDay !== window.hoursInDay) {
    issues.push({
      code: 'WRONG_HOURS_IN_DAY',
      path: 'hoursInDay',
      message: `hoursInDay does not match the length of ${input.date} in ${input.timeZone}`,
      expected: String(window.hoursInDay),
      actual: String(report.hoursInDay),
    });
  }

  const offline = offlineWindowSpans(report);
  const reportEnd = Math.min(to, window.windowEnd.getTime());
  const md = report.measuredData;
  checkPoints(
    'measuredData.insideTemperature.dataPoints',
    md.insideTemperature.dataPoints.map((p) => p.timestamp),
    window,
    reportEnd,
    offline,
    issues,
  );
  checkPoints(
    'measuredData.humidity.dataPoints',
    md.humidity.dataPoints.map((p) => p.timestamp),
    window,
    reportEnd,
    offline,
    issues,
  );
  md.humidity.dataPoints.forEach((p, i) => {
    if (!(p.value >= 0 && p.value <= 1)) {
      issues.push({
        code: 'NOT_A_FRACTION',
        path: `measuredData.humidity.dataPoints[${i}].value`,
        message: 'humidity is not a fraction',
        expected: 'a fraction 0..1 (percentageUnit UNIT_INTERVAL)',
        actual: String(p.value),
      });
    }
  });

  const series: [string, readonly { from: string; to: string }[] | undefined][] = [
    ['measuredData.measuringDeviceConnected.dataIntervals', md.measuringDeviceConnected.dataIntervals],
    ['stripes.dataIntervals', report.stripes.dataIntervals],
    ['settings.dataIntervals', report.settings?.dataIntervals],
    ['callForHeat.dataIntervals', report.callForHeat?.dataIntervals],
    ['acActivity.dataIntervals', report.acActivity?.dataIntervals],
    ['weather.condition.dataIntervals', report.weather.condition.dataIntervals],
    ['weather.sunny.dataIntervals', report.weather.sunny.dataIntervals],
  ];
  for (const [path, intervals] of series) {
    if (intervals !== undefined)
      checkIntervals(path, intervals, report.interval.from, report.interval.to, issues);
  }
  issues.push(...checkAcDayReport(report));

  const flags: DayReportFlag[] = [];
  const placeholder = isPlaceholderReport(report);
  if (placeholder) {
    flags.push({
      code: 'placeholder',
      path: 'measuredData',
      message:
        `placeholder data: every insideTemperature point is ${PLACEHOLDER_TEMPERATURE_C} °C and every humidity point ` +
        `${PLACEHOLDER_HUMIDITY_FRACTION} (tado serves this for days it no longer keeps)`,
    });
  }
  const spans = deviceOfflineSpans(report, window);
  const deviceOfflineMs = spans.reduce((sum, s) => sum + ms(s.to) - ms(s.from), 0);
  if (spans.length > 0) {
    flags.push({
      code: 'device_offline',
      path: 'measuredData.measuringDeviceConnected.dataIntervals',
      message:
        `measuring device disconnected for ${Math.round(deviceOfflineMs / 60_000)} min in ${spans.length} span(s): ` +
        spans.map((s) => `${s.from}…${s.to}`).join(', ') +
        '; values inside these spans are not to be trusted',
    });
  }

  return {
    file: input.file,
    zoneId: input.zoneId,
    date: input.date,
    window,
    issues,
    flags,
    cutShort,
    windowMismatch,
    placeholder,
    deviceOfflineSpans: spans,
    deviceOfflineMs,
  };
}

/**
 * Throws when {@link checkDayReport} found issues.
 * @throws DayReportInvalidError naming the file, zone, JSON path and expected value of the first issue
 */
export function assertDayReportValid(check: DayReportCheck): void {
  if (check.issues.length > 0) {
    throw new DayReportInvalidError(
      check.file,
      check.zoneId,
      check.date,
      check.issues,
      check.cutShort,
      check.windowMismatch !== null,
    );
  }
}
