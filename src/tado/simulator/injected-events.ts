/**
 * Unusual events the simulator puts into every simulated year on purpose (pure), so that the
 * heating analysis can be checked against a known truth (issue 12 §3; `ground-truth.ts` lists
 * them with the reason the analysis should give). Dates are chosen from the seed's own weather by
 * fixed rules, so every seed has them and on the days they need (a cold day, a warm day):
 *
 * | kind | zones | when | what the reports show |
 * | --- | --- | --- | --- |
 * | `holiday` | every heating zone | 7 whole days Sat–Fri in January–February, the week whose warmest day is coldest | stripe AWAY, setting ON 5 °C (frost protection): no heating |
 * | `undetected_open_window` | 1st heating zone | 18:20–19:35 on the coldest weekday of 4 Jan–28 Feb (away from the holiday) | schedule unchanged (HOME, 21 °C), no OPEN_WINDOW_DETECTED; indoor falls ≥ 3 °C within the hour while callForHeat is HIGH |
 * | `heating_left_on` | 2nd heating zone | 00:05–23:50 on the coolest day of 15 Sep–15 Oct with a mean of 17 °C or more (else the warmest) | OVERLAY_ACTIVE ON 25 °C over the summer switch-off or the schedule |
 * | `sensor_dropout` | 3rd heating zone | 08:40–16:55 on the second Tuesday of March | measuringDeviceConnected false, stripe MEASURING_DEVICE_DISCONNECTED (points repeat the last value) |
 * | `boiler_fault` | every heating zone | 05:30–21:40 on the coldest weekday of 4 Jan–4 Mar (away from the holiday and the window) | schedule unchanged, callForHeat up to HIGH, but no heat arrives: rooms cool far below setpoint |
 * | `sensor_spike` | 3rd / 2nd heating zone | one reading at 03:15 on 19 Jan / 22:15 on 9 Nov | that one insideTemperature point is +6.2 / −5.4 °C off; the room is not |
 *
 * On a zone-day with an event the zone's random events (boost, detected window, device offline)
 * do not happen, and on home-wide event days (holiday, boiler fault) neither does an AWAY
 * afternoon, so each event is seen alone.
 */
import { datesOfYear, isoWeekday, localDateOf, localMs, shiftDate } from './sim-calendar.js';
import type { SimHome } from './sim-home.js';
import { outdoorTemperatureC } from './uk-weather.js';

/** What was injected. */
export type InjectedEventKind =
  /** a window left open at a constant setpoint, which tado did not detect */
  | 'undetected_open_window'
  /** the home AWAY for whole days with frost protection only */
  | 'holiday'
  /** a zone left at a high setpoint on a warm day */
  | 'heating_left_on'
  /** the measuring device disconnected for most of a day */
  | 'sensor_dropout'
  /** the boiler delivers no heat while the zones call for it */
  | 'boiler_fault'
  /** one reading of the temperature sensor far off (the room itself unchanged) */
  | 'sensor_spike';

/** One injected event: a span of time in some zones. */
export interface InjectedEvent {
  readonly kind: InjectedEventKind;
  /** the heating zones it applies to */
  readonly zoneIds: readonly number[];
  /** local dates it covers, in order */
  readonly dates: readonly string[];
  /** start, ms since the epoch (UTC) */
  readonly startMs: number;
  /** end (exclusive), ms since the epoch; for a spike, startMs + 1 */
  readonly endMs: number;
  /** `heating_left_on`: the overlay's setpoint; `holiday`: the frost-protection setpoint, °C */
  readonly setpointC?: number;
  /** `sensor_spike`: how far the one reading is off, °C */
  readonly offsetC?: number;
  /** `undetected_open_window`: the window's air-change time constant, h */
  readonly windowTimeConstantH?: number;
  /** what happened, in words */
  readonly description: string;
}

/** Frost protection while on holiday, °C (tado's minimum setpoint). */
export const HOLIDAY_SETPOINT_C = 5;
/** The setpoint a zone is left at on the warm day, °C (tado's maximum). */
export const LEFT_ON_SETPOINT_C = 25;
/** The warm day of `heating_left_on` has at least this daily mean outdoor temperature, °C. */
export const WARM_DAY_MIN_MEAN_C = 17;
/** Air-change time constant of the undetected open window, h. */
export const OPEN_WINDOW_TIME_CONSTANT_H = 2;

/**
 * Daily mean outdoor temperature of the seed's weather for a local date, °C: the mean of 48
 * half-hourly values from local midnight. Used to choose the events' days.
 */
export function dailyMeanOutdoorC(seed: number, date: string, timeZone: string): number {
  const start = localMs(date, '00:00', timeZone);
  const end = localMs(shiftDate(date, 1), '00:00', timeZone);
  const n = 48;
  let sum = 0;
  for (let k = 0; k < n; k++) sum += outdoorTemperatureC(seed, start + ((k + 0.5) * (end - start)) / n);
  return sum / n;
}

const cache = new Map<string, readonly InjectedEvent[]>();

/** The HEATING zones of the home that exist on a local date, in the home's order. */
function heatingZonesOn(home: SimHome, date: string): number[] {
  return home.zones
    .filter((z) => z.type === 'HEATING' && localDateOf(Date.parse(z.dateCreated), home.timeZone) <= date)
    .map((z) => z.id);
}

/** The n-th heating zone (wrapping around) existing on a date, or undefined when none does. */
function nthZone(home: SimHome, date: string, n: number): number | undefined {
  const zs = heatingZonesOn(home, date);
  return zs.length === 0 ? undefined : zs[n % zs.length];
}

/**
 * The events injected into one simulated year, in date order (cached per seed, home and year).
 * Every date lies in `year`.
 */
export function injectedEvents(seed: number, home: SimHome, year: number): readonly InjectedEvent[] {
  const key = `${seed}|${home.homeId}|${year}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const tz = home.timeZone;
  const dates = datesOfYear(year);
  const meanC = new Map(dates.map((d) => [d, dailyMeanOutdoorC(seed, d, tz)]));
  const m = (d: string): number => meanC.get(d) ?? NaN;
  const between = (from: string, to: string): string[] =>
    dates.filter((d) => d >= `${year}-${from}` && d <= `${year}-${to}`);
  const weekday = (d: string): boolean => isoWeekday(d) <= 5;
  const argBest = (ds: readonly string[], score: (d: string) => number): string => {
    let best = ds[0] ?? `${year}-01-01`;
    for (const d of ds) if (score(d) < score(best)) best = d;
    return best;
  };
  const at = (date: string, hhmm: string, seconds: number): number =>
    localMs(date, hhmm, tz) + seconds * 1000;
  const events: InjectedEvent[] = [];

  // holiday: Sat..Fri, the week whose warmest day is the coldest
  const saturdays = between('01-08', '02-26').filter((d) => isoWeekday(d) === 6);
  const week = (s: string): string[] => Array.from({ length: 7 }, (_, i) => shiftDate(s, i));
  const holidayStart = argBest(saturdays, (s) => Math.max(...week(s).map(m)));
  const holidayDays = week(holidayStart);
  events.push({
    kind: 'holiday',
    zoneIds: heatingZonesOn(home, holidayStart),
    dates: holidayDays,
    startMs: localMs(holidayStart, '00:00', tz),
    endMs: localMs(shiftDate(holidayStart, 7), '00:00', tz),
    setpointC: HOLIDAY_SETPOINT_C,
    description: `the home is AWAY from ${holidayStart} to ${holidayDays[6] ?? ''} with frost protection (${HOLIDAY_SETPOINT_C} °C)`,
  });

  // an undetected open window on the coldest weekday of the winter, away from the holiday
  const nearHoliday = new Set([shiftDate(holidayStart, -1), ...holidayDays, shiftDate(holidayStart, 7)]);
  const windowDay = argBest(
    between('01-04', '02-28').filter((d) => weekday(d) && !nearHoliday.has(d)),
    m,
  );
  const windowZone = nthZone(home, windowDay, 0);
  if (windowZone !== undefined)
    events.push({
      kind: 'undetected_open_window',
      zoneIds: [windowZone],
      dates: [windowDay],
      startMs: at(windowDay, '18:20', 17.241),
      endMs: at(windowDay, '19:35', 43.802),
      windowTimeConstantH: OPEN_WINDOW_TIME_CONSTANT_H,
      description: 'a window open for 75 min in the evening at a constant setpoint, not detected by tado',
    });

  // the second zone left at 25 °C on a warm day of late September / early October: the coolest
  // day at 17 °C or more (a warmer one needs next to no heat even at 25 °C), else the warmest
  const autumn = between('09-15', '10-15');
  const warmEnough = autumn.filter((d) => m(d) >= WARM_DAY_MIN_MEAN_C);
  const warmDay = warmEnough.length > 0 ? argBest(warmEnough, m) : argBest(autumn, (d) => -m(d));
  const warmZone = nthZone(home, warmDay, 1);
  if (warmZone !== undefined)
    events.push({
      kind: 'heating_left_on',
      zoneIds: [warmZone],
      dates: [warmDay],
      startMs: at(warmDay, '00:05', 9.517),
      endMs: at(warmDay, '23:50', 31.066),
      setpointC: LEFT_ON_SETPOINT_C,
      description: `a manual overlay at ${LEFT_ON_SETPOINT_C} °C set just after midnight and left on all day on a warm day`,
    });

  // the third zone's device offline for over 8 h on the second Tuesday of March
  const tuesdays = between('03-01', '03-31').filter((d) => isoWeekday(d) === 2);
  const dropoutDay = tuesdays[1] ?? `${year}-03-08`;
  const dropoutZone = nthZone(home, dropoutDay, 2);
  if (dropoutZone !== undefined)
    events.push({
      kind: 'sensor_dropout',
      zoneIds: [dropoutZone],
      dates: [dropoutDay],
      startMs: at(dropoutDay, '08:40', 3.77),
      endMs: at(dropoutDay, '16:55', 21.09),
      description:
        'the measuring device is disconnected for 8 h 15 min (flat battery, replaced in the afternoon)',
    });

  // the boiler out for the day on the coldest weekday of 4 Jan–4 Mar away from the other events
  const taken = new Set([...nearHoliday, shiftDate(windowDay, -1), windowDay, shiftDate(windowDay, 1)]);
  const faultDay = argBest(
    between('01-04', '03-04').filter((d) => weekday(d) && !taken.has(d)),
    m,
  );
  events.push({
    kind: 'boiler_fault',
    zoneIds: heatingZonesOn(home, faultDay),
    dates: [faultDay],
    startMs: at(faultDay, '05:30', 12.5),
    endMs: at(faultDay, '21:40', 48.25),
    description: 'the boiler fails at 05:30 and is repaired at 21:40: the zones call for heat, none arrives',
  });

  // two isolated sensor spikes at night
  for (const [md, hhmm, n, offsetC] of [
    ['01-19', '03:15', 2, -5.4],
    ['11-09', '22:15', 1, 6.2],
  ] as const) {
    const date = `${year}-${md}`;
    const zone = nthZone(home, date, n);
    if (zone === undefined) continue;
    const t = localMs(date, hhmm, tz);
    events.push({
      kind: 'sensor_spike',
      zoneIds: [zone],
      dates: [date],
      startMs: t,
      endMs: t + 1,
      offsetC,
      description: `one insideTemperature reading ${offsetC > 0 ? '+' : ''}${offsetC} °C off at ${hhmm} (the room is not)`,
    });
  }
  events.sort((a, b) => a.startMs - b.startMs);
  if (cache.size > 32) cache.clear();
  cache.set(key, events);
  return events;
}

/** The events of a year that touch one zone on one local date. */
export function injectedEventsOn(
  seed: number,
  home: SimHome,
  zoneId: number,
  date: string,
): readonly InjectedEvent[] {
  return injectedEvents(seed, home, Number(date.slice(0, 4))).filter(
    (e) => e.dates.includes(date) && e.zoneIds.includes(zoneId),
  );
}

/** Whether a home-wide event (holiday, boiler fault) falls on a local date. */
export function homeWideEventOn(seed: number, home: SimHome, date: string): boolean {
  return injectedEvents(seed, home, Number(date.slice(0, 4))).some(
    (e) => (e.kind === 'holiday' || e.kind === 'boiler_fault') && e.dates.includes(date),
  );
}
