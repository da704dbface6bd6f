/**
 * Sets of local dates as the heating_analytics DAG passes them to its tasks: a compact text of
 * dates and ranges, `2022-01-01..2022-12-31,2023-01-04` (the `HEATING_ANALYTICS_DATES` variable
 * of `clean`), and the dates an asset event's data interval covers. Pure code.
 */
import { DateTime } from 'luxon';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** A date set text or one of its dates is malformed; `value` is the part at fault. */
export class DateSetError extends Error {
  constructor(
    message: string,
    readonly value: string,
  ) {
    super(message);
    this.name = 'DateSetError';
  }
}

/** Days since 1970-01-01 of a valid `YYYY-MM-DD` (calendar arithmetic, no time zone). */
function dayNumber(date: string, context: string): number {
  const ms = DATE.test(date) ? Date.parse(`${date}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw new DateSetError(`${context}: "${date}" is not a calendar date (expected YYYY-MM-DD)`, date);
  }
  return ms / DAY_MS;
}

const dateOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * The dates of a date set text, sorted and de-duplicated. Items are separated by commas; each is
 * a date or an inclusive range `first..last`. An empty text is the empty set.
 * @param maxDates - refuse sets larger than this; `@defaultValue 36_600` (100 years)
 * @throws DateSetError naming the item at fault (not a calendar date, a range ending before it starts, too many dates)
 */
export function expandDateSet(text: string, maxDates = 36_600): string[] {
  const days = new Set<number>();
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const [first = '', last, extra] = item.split('..');
    if (extra !== undefined) throw new DateSetError(`"${item}" is not a date or a range first..last`, item);
    const a = dayNumber(first.trim(), `date set item "${item}"`);
    const b = last === undefined ? a : dayNumber(last.trim(), `date set item "${item}"`);
    if (b < a) throw new DateSetError(`range "${item}" ends before it starts`, item);
    if (days.size + (b - a + 1) > maxDates)
      throw new DateSetError(`date set has more than ${maxDates} dates (at "${item}")`, item);
    for (let d = a; d <= b; d++) days.add(d);
  }
  return [...days].sort((x, y) => x - y).map(dateOf);
}

/**
 * The shortest date set text of some dates: consecutive dates become ranges.
 * @throws DateSetError when one of `dates` is not a calendar date
 */
export function compressDateSet(dates: Iterable<string>): string {
  const days = [...new Set([...dates].map((d) => dayNumber(d, 'date')))].sort((x, y) => x - y);
  const parts: string[] = [];
  for (let i = 0; i < days.length;) {
    let j = i;
    while (j + 1 < days.length && days[j + 1] === (days[j] ?? 0) + 1) j++;
    const a = dateOf(days[i] ?? 0);
    parts.push(j === i ? a : `${a}..${dateOf(days[j] ?? 0)}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * The local dates a data interval `[start, end)` stands for, read in `timeZone`: from the local
 * date of `start` up to, not including, the local date of `end` (at least the date of `start`).
 * A daily run of tado_etl for `ds` has the interval `ds 01:00 → next day 01:00` and stands for
 * `ds` only; a weekly interval stands for its seven dates.
 */
export function datesOfInterval(start: Date, end: Date, timeZone: string): string[] {
  const first = DateTime.fromMillis(start.getTime(), { zone: timeZone }).toISODate();
  const last = DateTime.fromMillis(end.getTime(), { zone: timeZone }).toISODate();
  if (first === null || last === null) throw new DateSetError(`unknown time zone "${timeZone}"`, timeZone);
  const a = dayNumber(first, 'interval start');
  const b = Math.max(a, dayNumber(last, 'interval end') - 1);
  const out: string[] = [];
  for (let d = a; d <= b; d++) out.push(dateOf(d));
  return out;
}
