/**
 * Local-calendar helpers of the simulator (luxon handles the clock changes): local times of a
 * date, date arithmetic, weekdays and the report window of a local day.
 */
import { DateTime } from 'luxon';

/** One minute, ms. */
export const MINUTE_MS = 60_000;
/** Fifteen minutes (the report's point grid), ms. */
export const QUARTER_MS = 15 * MINUTE_MS;
/** One hour, ms. */
export const HOUR_MS = 60 * MINUTE_MS;
/** 24 hours, ms. */
export const DAY_MS = 24 * HOUR_MS;

const localMsCache = new Map<string, number>();

/**
 * UTC ms of local `HH:MM` on `date` in the IANA time zone `zone` (cached: a backfill asks for the
 * same days again and again).
 */
export function localMs(date: string, hhmm: string, zone: string): number {
  const key = `${zone} ${date}T${hhmm}`;
  let ms = localMsCache.get(key);
  if (ms === undefined) {
    if (localMsCache.size > 50_000) localMsCache.clear();
    ms = DateTime.fromISO(`${date}T${hhmm}`, { zone }).toMillis();
    localMsCache.set(key, ms);
  }
  return ms;
}

/** `date` (`YYYY-MM-DD`) ± days (calendar arithmetic in UTC, no time zone involved). */
export function shiftDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** ISO weekday of a date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  const d = new Date(Date.parse(`${date}T00:00:00Z`)).getUTCDay();
  return d === 0 ? 7 : d;
}

/** Every date of a calendar year, `YYYY-01-01` … `YYYY-12-31`. */
export function datesOfYear(year: number): string[] {
  const out: string[] = [];
  for (let d = `${year}-01-01`; d.startsWith(String(year)); d = shiftDate(d, 1)) out.push(d);
  return out;
}

/** Local date (`YYYY-MM-DD`) of an instant in the IANA time zone `zone`. */
export function localDateOf(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISODate() ?? '';
}

/**
 * The report window of a local date: `[fromMs, toMs]` (local midnight − 15 min … next local
 * midnight + 15 min), the hours of the day (23/24/25) and the local midnight starting it.
 */
export function reportWindow(
  date: string,
  zone: string,
): { fromMs: number; toMs: number; hoursInDay: number; dayStartMs: number } {
  const dayStartMs = localMs(date, '00:00', zone);
  const nextMs = localMs(shiftDate(date, 1), '00:00', zone);
  return {
    fromMs: dayStartMs - QUARTER_MS,
    toMs: nextMs + QUARTER_MS,
    hoursInDay: Math.round((nextMs - dayStartMs) / HOUR_MS),
    dayStartMs,
  };
}
