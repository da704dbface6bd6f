/**
 * Tells a report computed for another time zone (or another day) from a report cut short. Pure
 * code, except that naming candidate IANA zones in a message uses `Intl` (ICU), which only the
 * error path pays for.
 *
 * tado computes a day report's window from the home's own time zone: `interval.from` = local
 * midnight − 15 min, `interval.to` = next local midnight + 15 min, `hoursInDay` the length of that
 * local day (tado-api.md §5.2). When the home's real time zone differs from the one the pipeline
 * uses (the home's `dateTimeZone`, or a time zone configured elsewhere), every report's window is
 * shifted by the difference of the two UTC offsets: the start moves as well as the end. A report
 * cut short (fetched before the day was over) starts where it should and ends early. So:
 *
 * - `interval.from` other than the expected start → a **whole-window offset**: the implied local
 *   midnight (`from` + 15 min) gives the report's UTC offset on that day;
 * - `interval.from` as expected but `hoursInDay` other than the local day's length → an
 *   **`hoursInDay` disagreement** (the report's zone changes its clocks on another day);
 *
 * either is a configuration/window mismatch: fetching again returns the same report.
 */
import { DateTime } from 'luxon';
import { REPORT_MARGIN_MS, type LocalDayWindow } from './local-day-window.js';
import { rankTimeZones } from './time-zone-ranking.js';

/** The parts of a day report the comparison reads. */
export interface ReportWindowFields {
  readonly interval: { readonly from: string; readonly to: string };
  readonly hoursInDay: number;
}

/** What {@link findWindowMismatch} found. */
export interface WindowMismatch {
  /** `offset`: the window starts elsewhere; `hours_in_day`: it starts right but the day's length disagrees */
  readonly kind: 'offset' | 'hours_in_day';
  /** `interval.from` − expected start, in ms (0 for `hours_in_day`) */
  readonly shiftMs: number;
  /**
   * UTC offset of the report's local midnight, in minutes (e.g. 60 for UTC+01:00), or null when
   * the shift is larger than any time zone's (a report for another date)
   */
  readonly impliedOffsetMinutes: number | null;
  /** UTC offset of local midnight in the configured time zone that day, in minutes */
  readonly configuredOffsetMinutes: number;
  /** up to three IANA zones whose window for the date is the report's (empty when none or unknown) */
  readonly candidateTimeZones: readonly string[];
  /** one sentence: which time zone the report's window implies and which one is configured */
  readonly message: string;
}

/** Time zones span UTC−12 to UTC+14. */
const MAX_ZONE_OFFSET_MS = 14 * 3_600_000;

/** `UTC+01:00`, `UTC−03:30`, `UTC+00:00`. */
export function formatUtcOffset(minutes: number): string {
  const sign = minutes < 0 ? '−' : '+';
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `UTC${sign}${hh}:${mm}`;
}

/** UTC midnight of `date` (`YYYY-MM-DD`), ms. */
const utcMidnight = (date: string): number => Date.parse(`${date}T00:00:00.000Z`);

/**
 * IANA zones (at most `limit`) in which `date` starts at `dayStartMs` and lasts `hoursInDay`
 * hours, the likely ones first ({@link rankTimeZones}: the configured zone's region, then
 * well-known zones before obscure ones). Uses `Intl`.
 */
export function candidateTimeZones(
  date: string,
  dayStartMs: number,
  hoursInDay: number,
  configured: string,
  limit = 3,
): string[] {
  const ordered = rankTimeZones(Intl.supportedValuesOf('timeZone'), configured);
  const out: string[] = [];
  for (const zone of ordered) {
    if (zone === configured) continue;
    const start = DateTime.fromISO(date, { zone });
    if (!start.isValid || start.toMillis() !== dayStartMs) continue;
    const hours = Math.round((start.plus({ days: 1 }).toMillis() - dayStartMs) / 3_600_000);
    if (hours !== hoursInDay) continue;
    out.push(zone);
    if (out.length >= limit) break;
  }
  return out;
}

/**
 * Compares a report's window with the window the pipeline expects for its day.
 * @param options.candidates - name candidate IANA zones in the message (uses `Intl`); `@defaultValue` true
 * @returns the mismatch, or null when the window starts where expected and `hoursInDay` agrees
 *   (a report that then ends early is cut short, not mismatched)
 */
export function findWindowMismatch(
  report: ReportWindowFields,
  window: LocalDayWindow,
  options: { readonly candidates?: boolean } = {},
): WindowMismatch | null {
  const fromMs = Date.parse(report.interval.from);
  const shiftMs = fromMs - window.windowStart.getTime();
  const hoursDisagree = report.hoursInDay !== window.hoursInDay;
  if (shiftMs === 0 && !hoursDisagree) return null;
  const configuredOffsetMinutes = Math.round((utcMidnight(window.date) - window.dayStart.getTime()) / 60_000);
  const configured = `${window.timeZone} (${formatUtcOffset(configuredOffsetMinutes)} at the start of ${window.date})`;
  const reportDayStartMs = fromMs + REPORT_MARGIN_MS;
  const impliedMs = utcMidnight(window.date) - reportDayStartMs;
  const implausible = Math.abs(impliedMs) > MAX_ZONE_OFFSET_MS || impliedMs % (15 * 60_000) !== 0;
  const impliedOffsetMinutes = implausible ? null : Math.round(impliedMs / 60_000);
  const candidates =
    impliedOffsetMinutes === null || options.candidates === false
      ? []
      : candidateTimeZones(window.date, reportDayStartMs, report.hoursInDay, window.timeZone);
  const named = candidates.length > 0 ? ` (e.g. ${candidates.join(', ')})` : '';
  const tail =
    '; a configuration/window mismatch, not a report cut short: fetching it again returns the same report';
  let message: string;
  if (shiftMs !== 0 && impliedOffsetMinutes === null) {
    message =
      `the report's window (${report.interval.from} … ${report.interval.to}, hoursInDay ${report.hoursInDay}) ` +
      `is not that of ${window.date} in any time zone: it is shifted by ${Math.round(shiftMs / 60_000)} min ` +
      `from the window of ${window.date} in the configured time zone ${configured} (a report for another date?)${tail}`;
  } else if (shiftMs !== 0) {
    message =
      `the report's window is that of a home on ${formatUtcOffset(impliedOffsetMinutes ?? 0)}${named} ` +
      `(it starts at ${report.interval.from}, 15 min before local midnight there, hoursInDay ${report.hoursInDay}), ` +
      `but the configured time zone is ${configured}, whose window starts at ${window.windowStart.toISOString()}${tail}`;
  } else {
    message =
      `hoursInDay ${report.hoursInDay} disagrees with ${window.date} in the configured time zone ${configured}, ` +
      `which has ${window.hoursInDay} hours: the report was computed in a time zone that changes its clocks on another day` +
      `${candidates.length > 0 ? ` (its window fits ${candidates.join(', ')})` : ''}${tail}`;
  }
  return {
    kind: shiftMs !== 0 ? 'offset' : 'hours_in_day',
    shiftMs,
    impliedOffsetMinutes,
    configuredOffsetMinutes,
    candidateTimeZones: candidates,
    message,
  };
}
